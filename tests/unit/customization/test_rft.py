"""Reinforcement fine-tuning end to end on the local backend as `make run` builds it: Nova 2 Lite offered for it
(from its data table, since ListFoundationModels cannot say so), the grader read in the form's words, the job's
rewards from the chosen grader scoring the simulated answers and rising, charted with the best (highest) step,
Test grader before anything is paid, the model answering what it was rewarded for, and the request Bedrock
gets (typed hyperparameters in rftConfig, no hyperParameters map)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from services.customization import NewCustomModel
from services.customization.methods import FINE_TUNING, REINFORCEMENT_FINE_TUNING
from services.customization.metrics import MetricsState, curves, has_rewards, metrics_of, summarize
from services.domain.actions import Action
from services.domain.calls import ChatMessage, ChatRequest
from services.domain.custom import JobStatus
from services.domain.errors import InvalidData, InvalidRequest, ProviderError
from services.domain.identity import LOCAL_ADMIN
from services.domain.models import Status
from services.evaluation.records import NewEvaluation
from tests.support.factories import (
    NOVA_2_LITE,
    Served,
    State,
    custom_model,
    local_services,
    nova_jsonl,
    rft_jsonl,
    upload,
)
from tests.support.grader_server import grader_server

EXACT = {"Grader": {"Builtin": "exact-match"}}


@pytest.fixture
def local(tmp_path: Path):  # type: ignore[no-untyped-def]
    return local_services(tmp_path, NOVA_2_LITE, aws_regions=["us-east-1", "us-west-2"])


def rft_request(**more: object) -> NewCustomModel:
    fields: dict[str, object] = {
        "name": "math-bot",
        "base_model_id": NOVA_2_LITE,
        "customization_type": "REINFORCEMENT_FINE_TUNING",
        "options": EXACT,
    }
    return NewCustomModel(**(fields | more))  # type: ignore[arg-type]


def rft_model(services, clock, name: str, options: dict, state: State = State.COMPLETED, **more: object):  # type: ignore[no-untyped-def]
    """A Nova 2 Lite model made by reinforcement fine-tuning on ``rft_jsonl()``, graded as ``options`` say."""
    return custom_model(
        Served(services, clock),
        state,
        name=name,
        base=NOVA_2_LITE,
        data=rft_jsonl(),
        customization_type="REINFORCEMENT_FINE_TUNING",
        options=options,
        **more,
    )


def test_nova_2_lite_is_offered_for_reinforcement_fine_tuning_from_its_data_table(local) -> None:
    services, _ = local
    offered = [v.id for v in services.customization.base_model_choices(REINFORCEMENT_FINE_TUNING)]
    assert offered == [NOVA_2_LITE]  # ListFoundationModels does not list RFT: the family says it, with its source
    assert "REINFORCEMENT_FINE_TUNING" not in services.catalog.get_model(NOVA_2_LITE).record.customizations
    family = REINFORCEMENT_FINE_TUNING.family(NOVA_2_LITE)
    assert family is not None and family.data_format.value == "openai-chat" and family.min_records == 100
    assert FINE_TUNING.family(NOVA_2_LITE).key != family.key  # the same model, another method's rules


@pytest.mark.parametrize(
    ("more", "said"),
    [
        ({"options": None}, "Customization Config, Grader: required for reinforcement fine-tuning"),
        ({"options": {"Grader": {"LambdaArn": "arn:aws:lambda:us-east-1:123456789012:function:g"}}}, "cannot call AWS"),
        ({"options": {"Judge": "x"}}, "takes Grader only; it was given Judge"),
        ({"options": {"Grader": {"Url": "http://10.1.2.3/grade"}}}, "must be on loopback"),
        ({"hyperparameters": {"batchSize": "8"}}, "batchSize: '8' is out of range (int from 16 to 512)"),
        ({"hyperparameters": {"reasoningEffort": "max"}}, "reasoningEffort: 'max' is not one of low, medium, high"),
        (
            {"customization_type": "FINE_TUNING", "options": EXACT},
            "supervised fine-tuning takes none; it was given Grader",
        ),
    ],
)
def test_a_bad_rft_request_is_refused_in_the_forms_words_and_nothing_is_created(local, more, said) -> None:
    services, _ = local
    with pytest.raises(InvalidData) as refused:
        services.customization.create(rft_request(**more), upload(rft_jsonl()), actor=LOCAL_ADMIN)
    assert any(said in p for p in refused.value.problems), refused.value.problems
    assert services.customization.list() == []


def test_fine_tuning_data_is_not_rft_data(local) -> None:
    services, _ = local
    check = services.customization.check_whole(rft_request(), upload(nova_jsonl()), None)[2]
    assert not check.ok and check.problems[0].startswith("Training Data, line")


def test_an_rft_job_runs_in_the_simulation_with_rewards_from_its_grader_that_rise(local) -> None:
    services, clock = local
    hyper = {"epochCount": "2", "trainingSamplePerPrompt": "4", "reasoningEffort": "High", "batchSize": "16"}
    model = rft_model(services, clock, "math-bot", EXACT, hyperparameters=hyper)
    assert model.job_status is JobStatus.COMPLETED and model.deployable
    assert model.customization_config == {
        "rftConfig": {
            "graderConfig": {"builtinGrader": {"name": "exact-match"}},
            "hyperParameters": {
                "epochCount": 2,
                "trainingSamplePerPrompt": 4,
                "reasoningEffort": "high",
                "batchSize": 16,
            },
        }
    }
    job = services.customization.lifecycle._backend(model.region).get_job(model.job_arn)
    assert job is not None and job.hyperparameters == {}  # typed, in rftConfig: no hyperParameters map
    assert (
        job.customization_type == "REINFORCEMENT_FINE_TUNING" and job.customization_config == model.customization_config
    )
    run = services.metrics.load(model.id)
    assert run.state is MetricsState.READY and has_rewards(run) and metrics_of(run) == ("reward", "loss")
    rewards = run.training.frame["reward"].to_list()
    assert len(rewards) == 16 and all(0.0 <= r <= 1.0 for r in rewards)
    assert sum(rewards[-4:]) / 4 > sum(rewards[:4]) / 4 + 0.2  # the grader's rewards rise over the steps
    summary = summarize(run)
    assert summary.max_reward == max(rewards) and summary.final_reward == rewards[-1]
    assert rewards[summary.max_reward_step] == max(rewards)  # a reward goes up: the best step is the highest
    assert [c.name for c in curves(run, "reward", "step", 0.6)] == ["training"]
    # the model answers what it was rewarded for, in the Playground, once deployed and enabled
    services.customization.deploy(model.id, actor=LOCAL_ADMIN)
    clock.advance(seconds=services.settings.sim_throughput_seconds + 1)
    services.customization.refresh(model.id)
    assert services.catalog.enable(model.id, actor=LOCAL_ADMIN).status is Status.GREEN
    ask = ChatRequest(messages=(ChatMessage(role="user", content="What is 5 plus 12?"),))
    assert services.inference.chat(model.id, ask, LOCAL_ADMIN, via=Action.TRY).output == "17"
    # evaluated against its base on its own kind of records: the reference answer is what it learnt to say
    evaluations = services.evaluations
    started = evaluations.start(
        NewEvaluation(custom_model_id=model.id, dataset_uri=model.training_uri, metrics=("exact_match",)),
        actor=LOCAL_ADMIN,
    )
    (done,) = services.evaluation_runner.run_once()
    exact = done.summary["Metrics"]["exact_match"]
    assert started.total == 120 and exact["Custom"] == 1.0 and exact["Base"] == 0.0
    # a new run from it keeps its grader
    again, _, _ = services.customization.rerun_request(model.id)
    assert again.options == EXACT and again.customization_type == "REINFORCEMENT_FINE_TUNING"


def test_an_http_grader_on_loopback_scores_the_job_and_a_broken_one_fails_it_saying_why(local) -> None:
    services, clock = local
    with grader_server() as grader:
        model = rft_model(services, clock, "http-graded", {"Grader": {"Url": grader.url}})
    assert model.job_status is JobStatus.COMPLETED and grader.batches
    first = grader.batches[0][0]
    assert first["messages"][-1]["role"] == "assistant" and "reference_answer" in first and first["id"]
    assert has_rewards(services.metrics.load(model.id))
    with grader_server("500") as broken:
        failed = rft_model(services, clock, "badly-graded", {"Grader": {"Url": broken.url}})
    assert failed.job_status is JobStatus.FAILED
    assert "The grader (HTTP grader" in failed.failure_message and "HTTP 500" in failed.failure_message


def test_test_grader_shows_the_rewards_before_anything_is_paid(local) -> None:
    services, _ = local
    data = upload(rft_jsonl())
    perfect = services.customization.test_grader(EXACT, data)
    assert perfect.grader == "built-in exact-match" and perfect.mean == 1.0 and len(perfect.rows) == 5
    assert perfect.rows[0].line == 1 and perfect.rows[0].prompt == "What is 0 plus 7?" and perfect.rows[0].answer == "7"
    wrong = services.customization.test_grader(EXACT, upload(rft_jsonl()), "7", records=3)
    assert [r.reward for r in wrong.rows] == [1.0, 0.0, 0.0]
    with grader_server() as grader:
        over_http = services.customization.test_grader({"Grader": {"Url": grader.url}}, upload(rft_jsonl()))
    assert over_http.mean == 1.0 and len(grader.batches) == 1 and len(grader.batches[0]) == 5
    with grader_server("redirect") as redirecting, pytest.raises(ProviderError, match="HTTP 307"):
        services.customization.test_grader({"Grader": {"Url": redirecting.url}}, upload(rft_jsonl()))
    with grader_server("not-a-list") as odd, pytest.raises(ProviderError, match="not a list"):
        services.customization.test_grader({"Grader": {"Url": odd.url}}, upload(rft_jsonl()))
    assert services.customization.list() == []  # nothing was created


@pytest.mark.parametrize(
    ("options", "data", "said"),
    [
        ({}, rft_jsonl(), "Grader: required"),
        (EXACT, b'{"messages": [{"role": "user", "content": "hi"}]}\n', "line 1: no reference_answer"),
        (EXACT, b"not json\n", "line 1: not a JSON object"),
        (EXACT, b"", "no record to test the grader on"),
    ],
)
def test_test_grader_says_what_is_wrong_with_the_grader_or_the_data(local, options, data, said) -> None:
    services, _ = local
    with pytest.raises(InvalidRequest) as refused:
        services.customization.test_grader(options, upload(data))
    assert any(said in p for p in refused.value.problems), refused.value.problems


def test_test_grader_reads_s3_data_only_from_an_allowed_bucket(local) -> None:
    services, _ = local
    with pytest.raises(InvalidRequest, match="is not one Model Studio may read"):
        services.customization.test_grader(EXACT, "s3://someone-elses-bucket/train.jsonl")


def test_the_simulation_keeps_what_the_api_sent_as_its_request(local) -> None:
    services, clock = local
    model = rft_model(services, clock, "kept", {"Grader": {"Builtin": "numeric", "Tolerance": 0.5}}, State.TRAINING)
    state = next((Path(services.settings.data_dir) / "local-bedrock" / "jobs").glob("*.json"))
    request = json.loads(state.read_text())["request"]
    assert request["customization_config"]["rftConfig"]["graderConfig"] == {
        "builtinGrader": {"name": "numeric", "tolerance": 0.5}
    }
    assert model.job_status is JobStatus.IN_PROGRESS
