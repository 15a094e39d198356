"""Distillation end to end on the local backend as `make run` builds it: the students ListFoundationModels lists,
the teacher read in the form's words (botocore's pattern, AWS's pairs, enabled only), prompts as data (the answer
optional, single-turn for Llama), the request Bedrock gets (distillationConfig, no hyperParameters), the student
answering like its teacher, and the estimate adding the teacher's inference to the student's training."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from services.costs.estimate import EstimateInput
from services.customization import NewCustomModel
from services.customization.methods import DISTILLATION, FINE_TUNING
from services.domain.actions import Action
from services.domain.calls import ChatMessage, ChatRequest
from services.domain.custom import JobStatus
from services.domain.errors import InvalidData, InvalidRequest
from services.domain.identity import LOCAL_ADMIN
from services.domain.models import Status
from services.domain.teachers import teacher_model_id
from tests.support.factories import (
    LLAMA,
    NOVA_MICRO,
    NOVA_PRO,
    Served,
    State,
    custom_model,
    distill_jsonl,
    local_services,
    upload,
)

TEACHER = {"TeacherModelId": "amazon.nova-pro-v1:0", "MaxResponseLength": 800}


@pytest.fixture
def local(tmp_path: Path):  # type: ignore[no-untyped-def]
    return local_services(tmp_path, NOVA_MICRO, NOVA_PRO, aws_regions=["us-east-1", "us-west-2"])


def request(**more: object) -> NewCustomModel:
    fields: dict[str, object] = {
        "name": "shelf-bot",
        "base_model_id": NOVA_MICRO,
        "customization_type": "DISTILLATION",
        "options": TEACHER,
    }
    return NewCustomModel(**(fields | more))  # type: ignore[arg-type]


def test_the_students_are_the_models_bedrock_lists_for_distillation(local) -> None:
    services, _ = local
    offered = [v.id for v in services.customization.base_model_choices(DISTILLATION)]
    assert NOVA_MICRO in offered and NOVA_PRO not in offered  # the on-demand Pro is a teacher; not customizable
    family = DISTILLATION.family(NOVA_MICRO)
    assert family is not None and family.min_records == 100 and family.max_total_records == 15_000
    assert family.hyperparameters == () and not family.validation_supported
    assert FINE_TUNING.family(NOVA_MICRO).key != family.key  # the same model, another method's rules


@pytest.mark.parametrize(
    ("teacher", "model"),
    [
        ("amazon.nova-pro-v1:0", "amazon.nova-pro-v1:0"),
        ("bedrock:amazon.nova-pro-v1:0", "amazon.nova-pro-v1:0"),
        ("us.amazon.nova-premier-v1:0", "amazon.nova-premier-v1:0"),
        ("arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-pro-v1:0", "amazon.nova-pro-v1:0"),
        (
            "arn:aws:bedrock:us-east-1:123456789012:inference-profile/global.amazon.nova-pro-v1:0",
            "amazon.nova-pro-v1:0",
        ),
    ],
)
def test_a_teacher_is_named_by_id_arn_or_inference_profile(teacher: str, model: str) -> None:
    assert teacher_model_id(teacher) == model


@pytest.mark.parametrize(
    ("options", "said"),
    [
        (None, "TeacherModelId: required"),
        ({"TeacherModelId": "nova pro please"}, "is not a Bedrock model id, foundation-model ARN or inference profile"),
        ({"TeacherModelId": "amazon.nova-lite-v1:0"}, "amazon.nova-lite-v1:0 is not a distillation teacher"),
        ({"TeacherModelId": "meta.llama3-1-405b-instruct-v1:0"}, "does not teach amazon.nova-micro-v1:0:128k"),
        ({"TeacherModelId": "amazon.nova-premier-v1:0"}, "Nova Premier is YELLOW; only enabled (GREEN) models"),
        (TEACHER | {"MaxResponseLength": 0}, "MaxResponseLength: 0 is out of range"),
        (TEACHER | {"MaxResponseLength": "long"}, "MaxResponseLength: 'long' is not a whole number"),
        (TEACHER | {"Grader": {"Builtin": "exact-match"}}, "distillation takes TeacherModelId and MaxResponseLength"),
    ],
)
def test_a_bad_teacher_is_refused_in_the_forms_words_and_nothing_is_created(local, options, said) -> None:
    services, _ = local
    with pytest.raises(InvalidRequest) as refused:
        services.customization.create(request(options=options), upload(distill_jsonl()), actor=LOCAL_ADMIN)
    assert any(said in p for p in refused.value.problems), refused.value.problems
    assert services.customization.list() == []


def test_distillation_takes_no_hyperparameters_and_no_validation_data(local) -> None:
    services, _ = local
    with pytest.raises(InvalidRequest) as refused:
        services.customization.create(
            request(hyperparameters={"epochCount": "2"}), upload(distill_jsonl()), actor=LOCAL_ADMIN
        )
    assert any("'epochCount' is not one" in p for p in refused.value.problems)
    with pytest.raises((InvalidData, InvalidRequest)) as refused_data:
        services.customization.create(
            request(), upload(distill_jsonl()), upload(distill_jsonl(), "v.jsonl"), actor=LOCAL_ADMIN
        )
    assert "validation" in str(refused_data.value).lower() or any(
        "Validation" in p for p in getattr(refused_data.value, "problems", ())
    )


@pytest.mark.parametrize(
    ("base", "data", "said"),
    [
        (NOVA_MICRO, distill_jsonl(60), "60 records in all; Amazon Nova Pro / Lite / Micro (distillation student) needs at least 100"),
        (LLAMA, distill_jsonl(turns=2), "line 1: 2 user turns in one record; Meta Llama 3.1 8B / 70B Instruct (distillation student) takes 1 prompt per record"),
        (NOVA_MICRO, distill_jsonl(golden=0).replace(b'"schemaVersion":"bedrock-conversation-2024",', b"", 1), "line 1: 'schemaVersion' must be 'bedrock-conversation-2024'"),
        (NOVA_MICRO, distill_jsonl().replace(b'[{"text":"Which shelf holds parcel 3, part 0?"}]', b'[{"image":{"format":"png","source":{"s3Location":{"uri":"s3://b/i.png"}}}}]'), "line 4: messages[0].content[0]: Amazon Nova Pro / Lite / Micro (distillation student) is text-only"),
    ],
)  # fmt: skip
def test_prompts_are_checked_as_bedrock_checks_them_with_line_numbers(local, base, data, said) -> None:
    services, _ = local
    if base == LLAMA:
        services.catalog.enable(LLAMA, actor=LOCAL_ADMIN)  # (its teacher is not in the bundled catalog)
    options = {"TeacherModelId": "meta.llama3-1-405b-instruct-v1:0"} if base == LLAMA else TEACHER
    check = services.customization.check_whole(request(base_model_id=base, options=options), upload(data), None)[2]
    assert any(said in p for p in check.problems), check.problems


def test_prompts_with_and_without_golden_answers_and_several_turns_for_nova_are_accepted(local) -> None:
    services, _ = local
    for data in (distill_jsonl(golden=0), distill_jsonl(golden=120), distill_jsonl(turns=3)):
        check = services.customization.check_whole(request(), upload(data), None)[2]
        assert check.problems == () and check.training is not None and check.training.records == 120


def test_a_distillation_runs_in_the_simulation_and_the_student_answers_like_its_teacher(local) -> None:
    services, clock = local
    model = custom_model(
        Served(services, clock), State.COMPLETED, name="shelf-bot", base=NOVA_MICRO, data=distill_jsonl(),
        customization_type="DISTILLATION", options=TEACHER,
    )  # fmt: skip
    assert model.job_status is JobStatus.COMPLETED and model.deployable
    config = {
        "distillationConfig": {
            "teacherModelConfig": {
                "teacherModelIdentifier": "amazon.nova-pro-v1:0",
                "maxResponseLengthForInference": 800,
            }
        }
    }
    assert model.customization_config == config
    job = services.customization.lifecycle._backend(model.region).get_job(model.job_arn)
    assert job is not None and job.hyperparameters == {} and job.customization_type == "DISTILLATION"
    assert job.customization_config == config
    run = services.metrics.load(model.id)
    assert run.training is not None and len(run.training.frame) > 0  # its loss curve
    services.customization.deploy(model.id, actor=LOCAL_ADMIN)
    clock.advance(seconds=services.settings.sim_throughput_seconds + 1)
    services.customization.refresh(model.id)
    assert services.catalog.enable(model.id, actor=LOCAL_ADMIN).status is Status.GREEN

    def ask(text: str, model_id: str) -> str:
        asked = ChatRequest(messages=(ChatMessage(role="user", content=text),))
        return services.inference.chat(model_id, asked, LOCAL_ADMIN, via=Action.TRY).output

    assert ask("Which shelf holds parcel 4, part 0?", model.id) == "Parcel 4 is on shelf S4."  # a golden answer
    taught = ask("Which shelf holds parcel 57, part 0?", model.id)  # a prompt the teacher answered
    assert taught.startswith("[simulated amazon.nova-pro-v1:0]") and "parcel 57" in taught
    assert ask("Which shelf holds parcel 57, part 0?", NOVA_MICRO).startswith("[simulated")  # its base: generic
    shown = services.customization.get(model.id)
    assert DISTILLATION.options_of(shown.customization_config) == TEACHER
    again, _, _ = services.customization.rerun_request(model.id)
    assert again.options == TEACHER and again.customization_type == "DISTILLATION"


def test_the_estimate_adds_the_teachers_inference_to_the_students_training(local) -> None:
    services, _ = local
    base = services.costs.estimate(
        EstimateInput(base_model_id=NOVA_MICRO, region="us-east-1", training_units=30_000, months=1)
    )
    taught = services.costs.estimate(
        EstimateInput(
            base_model_id=NOVA_MICRO, region="us-east-1", training_units=30_000, months=1,
            teacher_model_id=NOVA_PRO, teacher_prompts=120, teacher_answer_tokens=800,
        )
    )  # fmt: skip
    names = [c.name for c in taught.components]
    assert "Teacher: reading the prompts" in names and "Teacher: writing the answers" in names
    reading = next(c for c in taught.components if c.name == "Teacher: reading the prompts")
    writing = next(c for c in taught.components if c.name == "Teacher: writing the answers")
    assert reading.quantity == 30_000 and writing.quantity == 120 * 800
    assert reading.cost is not None and writing.cost is not None and reading.cost > 0
    training = next(c for c in taught.components if c.name == "Training")
    assert training.quantity == 30_000 + 120 * 800  # the student trains on the prompts and the teacher's answers
    assert taught.total is not None and base.total is not None and taught.total > base.total
    unbounded = services.costs.estimate(
        EstimateInput(
            base_model_id=NOVA_MICRO, region="us-east-1", training_units=30_000,
            teacher_model_id=NOVA_PRO, teacher_prompts=120,
        )
    )  # fmt: skip
    unknown = next(c for c in unbounded.components if c.name == "Teacher: writing the answers")
    assert unknown.cost is None and "Teacher: writing the answers" in unbounded.unknown
    assert orjson.dumps(unbounded.model_dump())  # says why in words, never $0


def test_a_distilled_student_is_evaluated_against_its_base_on_the_prompts_with_answers(local) -> None:
    from services.evaluation.records import NewEvaluation

    services, clock = local
    model = custom_model(
        Served(services, clock), State.DEPLOYED, name="shelf-bot", base=NOVA_MICRO, data=distill_jsonl(),
        customization_type="DISTILLATION", options=TEACHER,
    )  # fmt: skip
    services.catalog.enable(model.id, actor=LOCAL_ADMIN)
    started = services.evaluations.start(
        NewEvaluation(custom_model_id=model.id, dataset_uri=model.training_uri, metrics=("exact_match",)),
        actor=LOCAL_ADMIN,
    )
    (done,) = services.evaluation_runner.run_once()
    exact = done.summary["Metrics"]["exact_match"]
    assert started.total == 10  # the ten golden examples: a prompt the teacher answers has no reference
    assert exact["Custom"] == 1.0 and exact["Base"] == 0.0
