"""A real process is killed in the middle of a state change; after a restart the reconciler brings
every record in line with the provider: no orphan job, no duplicate job, no record pointing at nothing."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from services.bootstrap import build_services
from services.domain.custom import JobStatus, ThroughputStatus
from services.settings import load_settings
from tests.support.crash_worker import crash
from tests.support.factories import LLAMA


def restart(data_dir: Path):
    settings = load_settings(
        data_dir=data_dir, sim_job_seconds=0.5, sim_throughput_seconds=0.5, submit_grace_seconds=0.001
    )
    services = build_services(settings)
    services.start(background=False)  # as the server starts it
    return services


def provider_state(data_dir: Path) -> tuple[int, int]:
    base = data_dir / "local-bedrock"
    return len(list((base / "jobs").glob("*.json"))), len(list((base / "throughputs").glob("*.json")))


def assert_consistent(services, data_dir: Path) -> None:
    """Every job and throughput at the provider has a record, and every record's ARNs exist."""
    jobs, pts = provider_state(data_dir)
    models = services.customization.list()
    assert jobs == sum(1 for m in models if m.job_arn)
    assert pts == sum(1 for m in models if m.throughput_arn)
    from services.adapters.local_bedrock import LocalBedrock
    from services.adapters.object_store import LocalObjectStore

    local = LocalBedrock(data_dir / "local-bedrock", LocalObjectStore(data_dir))
    for m in models:
        if m.job_arn:
            assert local.get_job(m.job_name) is not None
        if m.throughput_arn:
            assert local.get_throughput(m.throughput_arn) is not None


def test_killed_after_the_upload_before_the_job(tmp_path: Path) -> None:
    crash(tmp_path, "after-upload")
    services = restart(tmp_path)
    [stuck] = services.customization.list()
    assert stuck.job_status is JobStatus.SUBMITTING and provider_state(tmp_path) == (0, 0)
    time.sleep(0.01)
    report = services.reconciler.run_once()
    assert report is not None and report.rolled_back == ("crash-bot",)
    assert services.customization.list() == []  # no record pointing at nothing
    assert_consistent(services, tmp_path)
    assert services.audit.audit_events(action="submission-rolled-back")[0].actor_id == "system"


def test_killed_after_the_job_was_created_before_our_record_knew(tmp_path: Path) -> None:
    crash(tmp_path, "after-job")
    services = restart(tmp_path)
    assert provider_state(tmp_path) == (1, 0)
    time.sleep(0.01)
    report = services.reconciler.run_once()
    assert report is not None and report.adopted == ("crash-bot",)
    [model] = services.customization.list()
    assert model.job_arn and model.job_status in (JobStatus.IN_PROGRESS, JobStatus.COMPLETED)
    assert provider_state(tmp_path) == (1, 0)  # adopted, not duplicated
    assert_consistent(services, tmp_path)


def test_killed_during_throughput_creation(tmp_path: Path) -> None:
    crash(tmp_path, "during-throughput")
    services = restart(tmp_path)
    [model] = services.customization.list()
    assert model.throughput_status is ThroughputStatus.CREATING and model.throughput_arn is None
    assert provider_state(tmp_path) == (1, 1)  # it exists at Bedrock and bills: it must not be orphaned
    time.sleep(0.01)
    report = services.reconciler.run_once()
    assert report is not None and report.adopted == ("crash-bot throughput",)
    assert services.customization.get(model.id).throughput_arn
    assert_consistent(services, tmp_path)


@pytest.mark.parametrize("point", ["after-upload", "after-job"])
def test_the_user_can_resubmit_after_a_crash_and_gets_one_job(tmp_path: Path, point: str) -> None:
    import io

    import orjson

    from services.customization import NewCustomModel, Upload
    from services.domain.identity import LOCAL_ADMIN

    crash(tmp_path, point)
    services = restart(tmp_path)
    raw = b"".join(orjson.dumps({"prompt": f"q{i}", "completion": "a"}) + b"\n" for i in range(120))
    again = services.customization.create(
        NewCustomModel(name="crash-bot", base_model_id=LLAMA),
        Upload("train.jsonl", io.BytesIO(raw), len(raw)),
        actor=LOCAL_ADMIN,
    )
    assert again.job_status is JobStatus.IN_PROGRESS and again.job_arn
    assert provider_state(tmp_path) == (1, 0) and len(services.customization.list()) == 1
