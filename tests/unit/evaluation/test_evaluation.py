"""Evaluation of a custom model against its base, through the services as build_services wires them,
on the local simulation: what it refuses, what it costs and takes, how it runs, resumes and stops."""

from __future__ import annotations

import io
from pathlib import Path

import orjson
import pytest

from services.customization import Upload
from services.domain.errors import (
    BucketNotAllowed,
    Forbidden,
    InvalidData,
    InvalidRequest,
    NotInvocable,
    ProviderThrottled,
    TransitionNotAllowed,
)
from services.domain.evaluations import EvaluationStatus
from services.domain.models import Provider
from services.evaluation.records import NewEvaluation, item_of, results_csv
from tests.support.factories import jsonl, trained_and_served
from tests.support.fakes import ADMIN, MEMBER, OTHER_MEMBER, World

LITE = "bedrock:amazon.titan-text-lite-v1:0:4k"
# the first 10 ask what the model was trained on; the last 10 ask about items it never saw
VALIDATION = jsonl(10, prompt="What is the code for item {i}?", completion="Item {i} has code C{i}.") + jsonl(
    10, 500, prompt="What is the code for item {i}?", completion="Item {i} has code C{i}."
)


@pytest.fixture
def world(tmp_path: Path) -> World:
    world = World(tmp_path, on_demand=True, eval_retry_seconds=0.001)
    world.catalog.sync(actor=ADMIN)
    world.catalog.enable(LITE, actor=ADMIN)
    return world


def test_records_become_chats_with_their_reference() -> None:
    item = item_of(3, {"prompt": "Q?", "completion": "A."})
    assert item is not None and item.prompt == "Q?" and item.reference == "A." and item.index == 3
    conversation = {
        "schemaVersion": "bedrock-conversation-2024",
        "system": [{"text": "Be brief."}],
        "messages": [
            {"role": "user", "content": [{"text": "Hi"}]},
            {"role": "assistant", "content": [{"text": "Hello."}]},
            {"role": "user", "content": [{"text": "Code of 7?"}]},
            {"role": "assistant", "content": [{"text": "C7."}]},
        ],
    }
    turns = item_of(1, conversation)
    assert turns is not None and turns.system == "Be brief." and turns.reference == "C7."
    assert [m.role for m in turns.messages] == ["user", "assistant", "user"] and turns.prompt == "Code of 7?"
    assert item_of(1, {"messages": [{"role": "user", "content": "x"}]}) is None  # no answer to compare with


def test_an_evaluation_over_the_validation_data_shows_the_fine_tune_helped(world: World) -> None:
    model = trained_and_served(world, owner=MEMBER, validation=VALIDATION)
    evaluations = world.services.evaluations
    started = evaluations.start(NewEvaluation(custom_model_id=model.id, judge_model_id=LITE), actor=MEMBER)
    assert started.status is EvaluationStatus.QUEUED and started.total == 20 and started.base_model_id == LITE
    assert started.dataset_uri == model.validation_uri
    assert started.estimate["Records"] == 20 and started.estimate["Calls"] == 80  # 2 answers + 2 judge calls each
    assert started.estimate["Cost"] is None and "by the hour" in started.estimate["CostNote"]

    (done,) = world.services.evaluation_runner.run_once()
    assert done.status is EvaluationStatus.COMPLETED and done.summary is not None
    results = evaluations.results(done.id)
    assert [r.index for r in results] == list(range(1, 21))
    seen, unseen = results[:10], results[10:]
    assert all(r.custom_output == r.reference and r.scores["exact_match"] == (1.0, 0.0) for r in seen)
    assert all(r.base_output.startswith("[simulated Titan Text G1 - Lite]") for r in results)
    assert all(r.custom_output != r.reference for r in unseen)  # the nearest training record's answer instead
    assert all(r.verdict == "win" for r in seen) and all(r.simulated for r in results)
    assert all("custom as A" in r.judge_note for r in results)

    summary = done.summary
    exact = summary["Metrics"]["exact_match"]
    assert (exact["Custom"], exact["Base"], exact["Difference"]) == (0.5, 0.0, 0.5)
    assert 0 < exact["Low"] <= 0.5 <= exact["High"] <= 1
    rouge = summary["Metrics"]["rouge_l"]
    assert rouge["Custom"] > rouge["Base"] and rouge["Low"] > 0
    assert summary["Judge"]["Wins"] >= 10 and sum(summary["Judge"].values()) == 20
    assert summary["Records"] == 20 and summary["Failed"] == 0 and summary["Simulated"] is True
    assert evaluations.progress(done) == 20

    csv_text = results_csv(results, done.metrics)
    assert csv_text.splitlines()[0].startswith("Record,Prompt,Reference,Custom answer,Base answer,Verdict")
    assert "Item 3 has code C3." in csv_text and len(csv_text.splitlines()) == 21

    usage = world.services.inference.usage(model.id)
    assert usage.total("calls") == 20  # every evaluation call is counted like any other
    (notice,) = [n for n in world.store.outbox.notices() if n.event == "evaluation.finished"]
    assert notice.model_id == model.id and "Exact match 0.500 vs 0.000" in notice.detail


def test_what_it_refuses_before_anything_is_stored(world: World) -> None:
    model = trained_and_served(world, owner=MEMBER, validation=VALIDATION)
    evaluations = world.services.evaluations
    with pytest.raises(InvalidRequest, match="Metrics"):
        evaluations.start(NewEvaluation(custom_model_id=model.id, metrics=("bleu",)), actor=MEMBER)
    with pytest.raises(NotInvocable):  # the judge must be an enabled model
        evaluations.start(NewEvaluation(custom_model_id=model.id, judge_model_id="openai:gpt-4o"), actor=MEMBER)
    with pytest.raises(InvalidRequest, match="does not exist"):
        evaluations.start(
            NewEvaluation(custom_model_id=model.id, dataset_uri="s3://studio-test/nope.jsonl"), actor=MEMBER
        )
    with pytest.raises(InvalidRequest, match="STUDIO_EVAL_MAX_RECORDS"):
        evaluations.start(NewEvaluation(custom_model_id=model.id, max_records=5000), actor=MEMBER)
    bad = jsonl(3) + b'{"prompt": "only a prompt"}\n' + b"not json\n"
    with pytest.raises(InvalidData) as refused:
        evaluations.start(
            NewEvaluation(custom_model_id=model.id), actor=MEMBER, upload=Upload("e.jsonl", io.BytesIO(bad), len(bad))
        )
    assert any("line 4" in p for p in refused.value.problems) and any("line 5" in p for p in refused.value.problems)
    no_validation = trained_and_served(world, owner=MEMBER, name="plain")
    with pytest.raises(InvalidRequest, match="without validation data"):
        evaluations.start(NewEvaluation(custom_model_id=no_validation.id), actor=MEMBER)
    world.catalog.disable(LITE, actor=ADMIN)  # the base may no longer be called
    with pytest.raises(NotInvocable):
        evaluations.start(NewEvaluation(custom_model_id=model.id), actor=MEMBER)
    assert evaluations.list_for() == []


def test_an_uploaded_evaluation_set_is_stored_and_used(world: World) -> None:
    model = trained_and_served(world, owner=MEMBER)
    data = jsonl(4, 2, prompt="What is the code for item {i}?", completion="Item {i} has code C{i}.")
    evaluations = world.services.evaluations
    upload = Upload("eval.jsonl", io.BytesIO(data), len(data))
    estimate = evaluations.estimate(NewEvaluation(custom_model_id=model.id, concurrency=2), MEMBER, upload)
    assert (estimate.records, estimate.calls) == (4, 8) and estimate.seconds == pytest.approx(2 * 2 * 2.0)
    assert "assumed" in estimate.seconds_note
    started = evaluations.start(NewEvaluation(custom_model_id=model.id, metrics=("exact_match",)), MEMBER, upload)
    assert started.dataset_uri.endswith("/eval.jsonl") and world.objects.size(started.dataset_uri) == len(data)
    done = evaluations.run(started.id)
    assert done.summary["Metrics"]["exact_match"]["Custom"] == 1.0 and set(done.summary["Metrics"]) == {"exact_match"}
    again = evaluations.estimate(NewEvaluation(custom_model_id=model.id, concurrency=2), MEMBER, upload)
    assert "assumed" not in again.seconds_note  # now each model's mean latency is known


def test_a_stopped_run_resumes_from_its_stored_records(world: World) -> None:
    model = trained_and_served(world, owner=MEMBER, validation=VALIDATION)
    evaluations = world.services.evaluations
    started = evaluations.start(NewEvaluation(custom_model_id=model.id, concurrency=1), actor=MEMBER)
    calls = iter(range(1000))

    def stop_after_some() -> bool:  # asked at most every half second: stop at the first ask
        return next(calls) < 0

    import time

    original = evaluations.evaluate

    def slow(*args, **kwargs):  # type: ignore[no-untyped-def]
        time.sleep(0.06)
        return original(*args, **kwargs)

    evaluations.evaluate = slow  # type: ignore[method-assign]
    stopped = evaluations.run(started.id, keep_going=stop_after_some)
    done_first = evaluations.progress(stopped)
    assert stopped.status is EvaluationStatus.RUNNING and 0 < done_first < 20
    evaluations.evaluate = original  # type: ignore[method-assign]
    finished = evaluations.run(started.id)
    assert finished.status is EvaluationStatus.COMPLETED and evaluations.progress(finished) == 20
    assert [r.index for r in evaluations.results(started.id)] == list(range(1, 21))  # each record once


def test_throttled_calls_are_retried_with_backoff_and_failures_are_kept_per_record(tmp_path: Path) -> None:
    from services.adapters.local_inference import LocalInference

    class Throttling(LocalInference):
        def __init__(self, objects) -> None:  # type: ignore[no-untyped-def]
            super().__init__(objects)
            self.throttle = 2
            self.broken: set[str] = set()

        def chat(self, target, request):  # type: ignore[no-untyped-def]
            if self.throttle:
                self.throttle -= 1
                raise ProviderThrottled("slow down")
            if request.messages[-1].content in self.broken:
                raise ProviderThrottled("still slow")
            return super().chat(target, request)

    seed = World(tmp_path)
    provider = Throttling(seed.objects)
    world = World(
        tmp_path, on_demand=True, eval_retry_seconds=0.001, eval_attempts=3,
        inference={Provider.BEDROCK: provider, Provider.OPENAI: provider},
    )  # fmt: skip
    world.catalog.sync(actor=ADMIN)
    world.catalog.enable(LITE, actor=ADMIN)
    model = trained_and_served(world, owner=MEMBER, validation=VALIDATION)
    provider.broken = {"What is the code for item 3?"}
    evaluations = world.services.evaluations
    done = evaluations.run(evaluations.start(NewEvaluation(custom_model_id=model.id), MEMBER).id)
    assert done.status is EvaluationStatus.COMPLETED
    results = {r.index: r for r in evaluations.results(done.id)}
    assert results[4].error is not None and "still slow" in results[4].error  # line 4 asks about item 3
    assert all(r.error is None for i, r in results.items() if i != 4)  # the first two throttles were retried
    assert done.summary["Failed"] == 1 and done.summary["Scored"] == 19


def test_cancelling_stops_a_run_and_only_its_owner_or_an_admin_may(world: World) -> None:
    model = trained_and_served(world, owner=MEMBER, validation=VALIDATION)
    evaluations = world.services.evaluations
    started = evaluations.start(NewEvaluation(custom_model_id=model.id), actor=MEMBER)
    with pytest.raises(Forbidden, match="Only the engineer"):
        evaluations.cancel(started.id, OTHER_MEMBER)
    cancelled = evaluations.cancel(started.id, MEMBER)
    assert cancelled.status is EvaluationStatus.CANCELLED and cancelled.finished_at is not None
    assert evaluations.run(started.id).status is EvaluationStatus.CANCELLED
    assert evaluations.progress(cancelled) == 0
    with pytest.raises(TransitionNotAllowed, match="nothing to cancel"):
        evaluations.cancel(started.id, ADMIN)


def test_a_model_that_can_no_longer_be_called_fails_the_run_and_says_why(world: World) -> None:
    model = trained_and_served(world, owner=MEMBER, validation=VALIDATION)
    evaluations = world.services.evaluations
    started = evaluations.start(NewEvaluation(custom_model_id=model.id), actor=MEMBER)
    world.customization.remove_throughput(model.id, actor=ADMIN)
    failed = evaluations.run(started.id)
    assert failed.status is EvaluationStatus.FAILED and failed.error and model.name in failed.error


def test_a_changed_evaluation_set_is_not_resumed(world: World) -> None:
    model = trained_and_served(world, owner=MEMBER)
    data = jsonl(4, prompt="What is the code for item {i}?", completion="Item {i} has code C{i}.")
    evaluations = world.services.evaluations
    started = evaluations.start(
        NewEvaluation(custom_model_id=model.id), MEMBER, Upload("eval.jsonl", io.BytesIO(data), len(data))
    )
    world.objects.put_bytes(started.dataset_uri, data + orjson.dumps({"prompt": "x", "completion": "y"}) + b"\n")
    failed = evaluations.run(started.id)
    assert failed.status is EvaluationStatus.FAILED and "changed" in (failed.error or "")


def test_another_members_model_not_yet_enabled_is_not_theirs_to_evaluate(world: World) -> None:
    model = trained_and_served(world, owner=MEMBER, validation=VALIDATION)  # YELLOW: Mia's to try
    evaluations = world.services.evaluations
    for attempt in (
        lambda: evaluations.start(NewEvaluation(custom_model_id=model.id), actor=OTHER_MEMBER),
        lambda: evaluations.estimate(NewEvaluation(custom_model_id=model.id), OTHER_MEMBER),
    ):
        with pytest.raises(NotInvocable, match="for its owner"):
            attempt()
    with pytest.raises(InvalidRequest, match="cannot judge its own answers"):
        evaluations.start(NewEvaluation(custom_model_id=model.id, judge_model_id=model.id), actor=MEMBER)
    assert evaluations.list_for() == []
    world.catalog.enable(model.id, actor=ADMIN)  # GREEN: anyone may call it, so anyone may evaluate it
    assert evaluations.start(NewEvaluation(custom_model_id=model.id), actor=OTHER_MEMBER).tried is False


def test_a_model_disabled_mid_run_fails_the_run_with_the_reason(world: World) -> None:
    model = trained_and_served(world, owner=MEMBER, validation=VALIDATION)
    world.catalog.enable(model.id, actor=ADMIN)
    evaluations = world.services.evaluations
    for who in (MEMBER, OTHER_MEMBER):  # its owner's run too: an admin's disable means "stop using it"
        started = evaluations.start(NewEvaluation(custom_model_id=model.id, concurrency=1), actor=who)
        assert started.tried is False and started.created_role == "member"
    world.catalog.disable(model.id, actor=ADMIN)
    for evaluation in evaluations.list_for(model.id):
        failed = evaluations.run(evaluation.id)
        assert failed.status is EvaluationStatus.FAILED and "only enabled (GREEN) models" in (failed.error or "")
        assert evaluations.progress(failed) == 0  # not one call after the disable
    assert world.services.inference.usage(model.id).total("calls") == 0


def test_the_base_model_disabled_mid_run_fails_it_too(world: World) -> None:
    model = trained_and_served(world, owner=MEMBER, validation=VALIDATION)
    evaluations = world.services.evaluations
    started = evaluations.start(NewEvaluation(custom_model_id=model.id), actor=MEMBER)
    world.catalog.disable(LITE, actor=ADMIN)
    failed = evaluations.run(started.id)
    assert failed.status is EvaluationStatus.FAILED and "Titan Text G1 - Lite" in (failed.error or "")


def test_evaluation_data_outside_the_allowed_buckets_is_never_read(world: World) -> None:
    model = trained_and_served(world, owner=MEMBER, validation=VALIDATION)
    world.objects.put_bytes("s3://secrets/eval.jsonl", VALIDATION)  # readable by the app, not its users
    evaluations = world.services.evaluations
    for attempt in (
        lambda r: evaluations.start(r, actor=MEMBER),
        lambda r: evaluations.estimate(r, MEMBER),
    ):
        with pytest.raises(BucketNotAllowed, match="bucket 'secrets' is not one Model Studio may read"):
            attempt(NewEvaluation(custom_model_id=model.id, dataset_uri="s3://secrets/eval.jsonl"))
    assert evaluations.list_for() == []


def test_the_queue_runs_the_oldest_first_and_one_engineer_at_a_time_each(world: World) -> None:
    model = trained_and_served(world, owner=MEMBER, validation=VALIDATION)
    world.catalog.enable(model.id, actor=ADMIN)
    evaluations = world.services.evaluations
    runner = world.services.evaluation_runner
    assert runner is not None
    mia = []
    for _ in range(3):
        mia.append(evaluations.start(NewEvaluation(custom_model_id=model.id), actor=MEMBER))
        world.clock.advance(seconds=1)
    otto = evaluations.start(NewEvaluation(custom_model_id=model.id), actor=OTHER_MEMBER)
    assert [e.id for e in evaluations.pending()] == [*(e.id for e in mia), otto.id]  # oldest first
    started = runner.start_due()
    assert started == [mia[0].id, otto.id]  # Mia's first, then Otto's: Mia's others wait their turn
    finished = runner.run_once()
    assert {e.id for e in finished} == {e.id for e in [*mia, otto]}
    assert all(e.status is EvaluationStatus.COMPLETED for e in finished)
