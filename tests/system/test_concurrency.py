"""Two replicas (two service stacks on one database and one provider) acting at the same moment:
no lost update, no illegal state, and two reconcilers update each job once. SQLite and PostgreSQL."""

from __future__ import annotations

import io
import threading
from collections.abc import Callable
from pathlib import Path

import orjson
import pytest

from services.bootstrap import Services, build_services
from services.customization import NewCustomModel, Upload
from services.domain.custom import JobStatus
from services.domain.errors import ConcurrentUpdate, ModelNotFound, TransitionNotAllowed
from services.domain.identity import LOCAL_ADMIN
from services.domain.models import Status
from services.settings import load_settings
from tests.support.factories import LLAMA
from tests.support.fakes import FakeClock

EXPECTED_REFUSALS = (ConcurrentUpdate, TransitionNotAllowed, ModelNotFound)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def replicas(tmp_path: Path, database_url: str, clock: FakeClock) -> tuple[Services, Services]:
    def one() -> Services:
        settings = load_settings(
            data_dir=tmp_path, database_url=database_url, sim_job_seconds=0.3, sim_throughput_seconds=0.3
        )
        services = build_services(settings, clock=clock)  # one clock for both, and for the local control plane
        services.start(background=False)  # as each server starts it
        return services

    first = one()
    return first, one()


def race(*actions: Callable[[], object]) -> list[object]:
    """Run the actions at the same moment; each returns its result or the exception it raised."""
    barrier = threading.Barrier(len(actions))
    results: list[object] = [None] * len(actions)

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = actions[i]()
        except Exception as exc:
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(actions))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def test_two_replicas_see_each_others_changes(replicas) -> None:
    a, b = replicas
    a.catalog.enable(LLAMA, actor=LOCAL_ADMIN)
    assert b.catalog.get_model(LLAMA).status is Status.GREEN
    assert b.catalog.revision() == a.catalog.revision()


@pytest.mark.parametrize("repeat", range(3))
def test_enabling_the_same_model_at_once_enables_it_once(replicas, repeat: int) -> None:
    a, b = replicas
    results = race(
        lambda: a.catalog.enable("openai:gpt-4o", actor=LOCAL_ADMIN),
        lambda: b.catalog.enable("openai:gpt-4o", actor=LOCAL_ADMIN),
    )
    wins = [r for r in results if not isinstance(r, Exception)]
    assert len(wins) == 1 and all(isinstance(r, EXPECTED_REFUSALS) for r in results if r not in wins)
    assert a.catalog.get_model("openai:gpt-4o").status is Status.GREEN
    assert len(a.audit.audit_events(model_id="openai:gpt-4o", action="enable")) == 1


def test_enable_and_disable_racing_leave_a_legal_state(replicas) -> None:
    a, b = replicas
    a.catalog.enable("openai:gpt-4o", actor=LOCAL_ADMIN)
    results = race(
        lambda: a.catalog.disable("openai:gpt-4o", actor=LOCAL_ADMIN),
        lambda: b.catalog.disable("openai:gpt-4o", actor=LOCAL_ADMIN),
        lambda: b.catalog.enable("openai:gpt-4o", actor=LOCAL_ADMIN),
    )
    assert all(isinstance(r, EXPECTED_REFUSALS) for r in results if isinstance(r, Exception))
    final = a.catalog.get_model("openai:gpt-4o")
    changes = a.audit.audit_events(model_id="openai:gpt-4o")
    assert final.record.enabled == (changes[0].action == "enable")  # the last recorded change is the state


def _completed(services: Services) -> str:
    services.catalog.enable(LLAMA, actor=LOCAL_ADMIN)
    raw = b"".join(orjson.dumps({"prompt": f"q{i}", "completion": "a"}) + b"\n" for i in range(120))
    model = services.customization.create(
        NewCustomModel(name="race-bot", base_model_id=LLAMA),
        Upload("t.jsonl", io.BytesIO(raw), len(raw)),
        actor=LOCAL_ADMIN,
    )
    return model.id


def test_deleting_the_same_model_at_once_deletes_it_once(replicas, clock: FakeClock) -> None:
    a, b = replicas
    model_id = _completed(a)
    clock.advance(seconds=1)
    a.customization.refresh(model_id)
    results = race(
        lambda: a.customization.delete(model_id, actor=LOCAL_ADMIN),
        lambda: b.customization.delete(model_id, actor=LOCAL_ADMIN),
    )
    assert sum(r is None for r in results) == 1
    assert all(isinstance(r, EXPECTED_REFUSALS) for r in results if r is not None)
    assert a.customization.list() == [] and len(a.audit.audit_events(model_id=model_id, action="delete")) == 1


def test_two_reconcilers_at_once_update_each_job_once(replicas, clock: FakeClock) -> None:
    a, b = replicas
    model_id = _completed(a)
    clock.advance(seconds=1)  # the job has completed at the provider; our record still says InProgress
    race(a.customization.reconcile, b.customization.reconcile, a.customization.reconcile)
    assert a.customization.get(model_id).job_status is JobStatus.COMPLETED
    refreshes = a.audit.audit_events(model_id=model_id, action="status-refreshed")
    assert [(e.before, e.after) for e in refreshes] == [("InProgress", "Completed")]


def test_the_lease_lets_one_reconciler_run_at_a_time(replicas) -> None:
    a, b = replicas
    results = race(a.reconciler.run_once, b.reconciler.run_once)
    assert sum(r is not None for r in results) == 1
