"""A customization method is one object the form, the API, the checks and the metrics ask."""

from __future__ import annotations

import orjson

from services.customization import NewCustomModel
from services.customization.methods import CONTINUED_PRE_TRAINING, FINE_TUNING, METHODS, method_for, method_problem
from services.customization.metrics import TRAINING_FILE, VALIDATION_FILE
from tests.support.factories import LLAMA, State, custom_model, jsonl, upload
from tests.support.fakes import ADMIN, World


def test_fine_tuning_is_a_method_with_its_data_rules_epochs_and_metrics_files(w: World) -> None:
    assert method_for("FINE_TUNING") is FINE_TUNING
    assert set(METHODS) == {"FINE_TUNING", "CONTINUED_PRE_TRAINING", "DISTILLATION", "REINFORCEMENT_FINE_TUNING"}
    base = w.catalog.get_model(LLAMA).record
    assert FINE_TUNING.offered_by(base)
    family = FINE_TUNING.family(base)
    assert family is not None and family.key == "llama3.1"
    assert [h.name for h in FINE_TUNING.hyperparameters(family)] == ["epochCount", "batchSize", "learningRate"]
    assert FINE_TUNING.epochs({"epochCount": "3"}) == 3 and FINE_TUNING.epochs({"stepCount": "40"}) == 1
    assert FINE_TUNING.epochs({"epochCount": "auto"}) == 1
    assert tuple(FINE_TUNING.metrics_files.values()) == (TRAINING_FILE, VALIDATION_FILE)
    assert FINE_TUNING.job_hyperparameters({"epochCount": "2"}) == {"epochCount": "2"}
    assert FINE_TUNING.options_of(None) is None


def test_a_method_not_offered_is_refused_in_the_forms_words_and_the_form_offers_what_a_method_allows(
    w: World,
) -> None:
    said = method_problem("IMPORTED")
    assert said == (
        "Customization Type: Model Studio runs FINE_TUNING (Supervised fine-tuning), "
        "CONTINUED_PRE_TRAINING (Continued pre-training), DISTILLATION (Distillation), "
        "REINFORCEMENT_FINE_TUNING (Reinforcement fine-tuning); "
        "not 'IMPORTED'."
    )
    assert method_problem("FINE_TUNING") is None
    offered = w.customization.base_model_choices(FINE_TUNING)
    assert [v.id for v in offered] == [LLAMA]  # the one GREEN model that offers it
    w.catalog.disable(LLAMA, actor=ADMIN)
    assert w.customization.base_model_choices(FINE_TUNING) == []


TITAN_LITE = "bedrock:amazon.titan-text-lite-v1:0:4k"


def passages(n: int = 60) -> bytes:
    return b"".join(
        orjson.dumps({"input": f"Passage {i}: the words of our domain, as written."}) + b"\n" for i in range(n)
    )


def test_continued_pre_training_is_a_method_of_titan_text_with_its_own_data_rules(w: World) -> None:
    w.catalog.enable(TITAN_LITE, actor=ADMIN)
    titan = w.catalog.get_model(TITAN_LITE).record
    assert [v.id for v in w.customization.base_model_choices(CONTINUED_PRE_TRAINING)] == [TITAN_LITE]
    family = CONTINUED_PRE_TRAINING.family(titan)
    assert family is not None and family.data_format.value == "input-text" and family.max_training_bytes == 10 * 1024**3
    assert FINE_TUNING.family(titan).data_format.value == "prompt-completion"  # the same model, another method
    request = NewCustomModel(name="domain-words", base_model_id=TITAN_LITE, customization_type="CONTINUED_PRE_TRAINING")
    labelled = jsonl(60)
    check = w.customization.check_whole(request, upload(labelled), None)[2]
    assert (
        not check.ok
        and "takes unlabeled" in check.problems[0]
        and check.problems[0].startswith("Training Data, line 1")
    )
    llama = request.model_copy(update={"base_model_id": LLAMA})
    assert any("does not offer continued pre-training" in p for p in w.customization.check_request(llama)[2])


def test_a_continued_pre_training_job_runs_in_the_simulation_and_writes_its_loss(w: World) -> None:
    w.catalog.enable(TITAN_LITE, actor=ADMIN)
    model = custom_model(
        w,
        State.COMPLETED,
        name="domain-words",
        base=TITAN_LITE,
        data=passages(),
        customization_type="CONTINUED_PRE_TRAINING",
    )
    assert model.customization_type == "CONTINUED_PRE_TRAINING" and model.training_records == 60
    job = w.local_bedrock.get_job(model.job_name)
    assert job is not None and job.status.value == "Completed"
    stored = orjson.loads((w.root / "local-bedrock" / "jobs" / f"{model.job_name}.json").read_bytes())
    assert stored["request"]["customization_type"] == "CONTINUED_PRE_TRAINING"  # what Bedrock was asked
    assert w.metrics.load(model.id).state.value == "ready"  # the loss curve, charted like fine-tuning's
