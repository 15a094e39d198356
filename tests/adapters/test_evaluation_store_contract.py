"""One contract for the call counts and the evaluation store: the in-memory fake, SQLite, PostgreSQL."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from services.adapters.sql import SqlDatabase
from services.domain.calls import CallCount
from services.domain.evaluations import Evaluation, EvaluationResult, EvaluationStatus
from tests.support.fakes import InMemoryCatalogStore

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(params=["memory", "sqlite", "postgresql"])
def store(request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    if request.param == "memory":
        return InMemoryCatalogStore()
    url = request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "postgres_url")
    return SqlDatabase.from_url(url)


def evaluation(**changes: object) -> Evaluation:
    values: dict[str, object] = {
        "id": "ev-1", "custom_model_id": "custom:a", "custom_name": "a", "base_model_id": "bedrock:b",
        "base_name": "B", "dataset_uri": "s3://bucket/v.jsonl", "dataset_fingerprint": "etag-1",
        "metrics": ("exact_match", "rouge_l"), "judge_model_id": None, "max_records": 100, "concurrency": 4,
        "max_tokens": 256, "temperature": 0.0, "seed": 7, "status": EvaluationStatus.QUEUED, "total": 3,
        "created_by": "mia", "created_at": NOW, "estimate": {"Calls": 6}, "summary": None,
    }  # fmt: skip
    return Evaluation.model_validate(values | changes)


def test_calls_add_up_per_model_and_day(store) -> None:
    store.usage.count_call(
        CallCount(model_id="m1", day="2026-12-01", calls=1, input_tokens=10, output_tokens=5, latency_ms=2.5)
    )
    store.usage.count_call(
        CallCount(model_id="m1", day="2026-12-01", calls=1, input_tokens=1, output_tokens=1, latency_ms=0.5)
    )
    store.usage.count_call(CallCount(model_id="m1", day="2026-12-01", refused=1))
    store.usage.count_call(CallCount(model_id="m1", day="2026-12-02", failures=1))
    store.usage.count_call(CallCount(model_id="m2", day="2026-12-02", calls=1))
    one = store.usage.call_counts("m1")
    assert one == [
        CallCount(
            model_id="m1", day="2026-12-01", calls=2, refused=1, input_tokens=11, output_tokens=6, latency_ms=3.0
        ),
        CallCount(model_id="m1", day="2026-12-02", failures=1),
    ]
    assert [(c.model_id, c.day) for c in store.usage.call_counts(since_day="2026-12-02")] == [
        ("m1", "2026-12-02"),
        ("m2", "2026-12-02"),
    ]


def test_concurrent_counts_are_not_lost(store) -> None:
    def count() -> None:
        for _ in range(25):
            store.usage.count_call(CallCount(model_id="m", day="2026-12-01", calls=1, input_tokens=2))

    threads = [threading.Thread(target=count) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    (row,) = store.usage.call_counts("m")
    assert (row.calls, row.input_tokens) == (100, 200)


def test_an_evaluation_round_trips_and_changes_only_from_the_expected_status(store) -> None:
    store.evaluations.insert_evaluation(evaluation())
    assert store.evaluations.get_evaluation("ev-1") == evaluation()
    assert store.evaluations.get_evaluation("ev-2") is None
    running = store.evaluations.update_evaluation(
        "ev-1", [EvaluationStatus.QUEUED], status=EvaluationStatus.RUNNING, started_at=NOW
    )
    assert running is not None and running.status is EvaluationStatus.RUNNING and running.version == 2
    assert (
        store.evaluations.update_evaluation("ev-1", [EvaluationStatus.QUEUED], status=EvaluationStatus.CANCELLED)
        is None
    )
    done = store.evaluations.update_evaluation(
        "ev-1", [EvaluationStatus.RUNNING], status=EvaluationStatus.COMPLETED, summary={"Metrics": {"rouge_l": 0.5}}
    )
    assert done is not None and done.summary == {"Metrics": {"rouge_l": 0.5}} and done.estimate == {"Calls": 6}
    store.evaluations.insert_evaluation(
        evaluation(id="ev-2", custom_model_id="custom:z", created_at=NOW + timedelta(seconds=1))
    )
    assert [e.id for e in store.evaluations.list_evaluations()] == ["ev-2", "ev-1"]
    assert [e.id for e in store.evaluations.list_evaluations("custom:a")] == ["ev-1"]


def test_a_record_is_stored_once(store) -> None:
    store.evaluations.insert_evaluation(evaluation(status=EvaluationStatus.RUNNING))
    first = EvaluationResult(
        evaluation_id="ev-1", index=2, prompt="q", reference="r", custom_output="r", base_output="x",
        scores={"exact_match": (1.0, 0.0)}, verdict="win", custom_tokens=(3, 1),
    )  # fmt: skip
    assert store.evaluations.save_result(first)
    assert not store.evaluations.save_result(
        first.model_copy(update={"custom_output": "other"})
    )  # a second runner's copy
    assert store.evaluations.save_result(first.model_copy(update={"index": 1}))
    assert [r.index for r in store.evaluations.results("ev-1")] == [1, 2]
    assert store.evaluations.results("ev-1")[1] == first
    assert store.evaluations.result_indexes("ev-1") == {1, 2}
    assert store.evaluations.results("ev-9") == [] and store.evaluations.result_indexes("ev-9") == set()


def test_a_record_answered_after_its_run_was_cancelled_is_not_stored(store) -> None:
    store.evaluations.insert_evaluation(evaluation(status=EvaluationStatus.RUNNING))
    late = EvaluationResult(evaluation_id="ev-1", index=1, prompt="q", reference="r")
    store.evaluations.update_evaluation("ev-1", [EvaluationStatus.RUNNING], status=EvaluationStatus.CANCELLED)
    assert not store.evaluations.save_result(late)  # the record in flight when the run was cancelled
    assert store.evaluations.results("ev-1") == []
    assert not store.evaluations.save_result(late.model_copy(update={"evaluation_id": "ev-9"}))  # no such run


def test_the_last_call_time_is_the_latest_of_the_counts(store) -> None:
    later, earlier = NOW + timedelta(hours=2), NOW
    store.usage.count_call(CallCount(model_id="m", day="2026-12-01", calls=1, last_at=later))
    store.usage.count_call(CallCount(model_id="m", day="2026-12-01", calls=1, last_at=earlier))
    store.usage.count_call(CallCount(model_id="m", day="2026-12-01", refused=1))  # no answer: no time
    (row,) = store.usage.call_counts("m")
    assert row.last_at == later and row.calls == 2


def test_a_finished_run_and_its_notice_are_written_together(store) -> None:
    from services.domain.records import AuditEvent

    store.evaluations.insert_evaluation(evaluation(status=EvaluationStatus.RUNNING))
    event = AuditEvent(
        at=NOW, actor_id="system", actor_name="Model Studio", action="evaluation-finished", model_id="custom:a",
        model_name="a", notice="evaluation.finished", detail="ev-1: ROUGE-L 0.9 vs 0.1",
    )  # fmt: skip
    refused = store.evaluations.update_evaluation(
        "ev-1", [EvaluationStatus.QUEUED], [event], status=EvaluationStatus.COMPLETED
    )
    assert refused is None and store.outbox.notices() == []  # no change, no notice
    done = store.evaluations.update_evaluation(
        "ev-1", [EvaluationStatus.RUNNING], [event], status=EvaluationStatus.COMPLETED
    )
    assert done is not None
    (notice,) = store.outbox.notices()
    assert (notice.event, notice.model_id, notice.detail) == ("evaluation.finished", "custom:a", event.detail)
