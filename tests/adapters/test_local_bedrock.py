"""The local control plane keeps its state across a restart and moves on with time."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from services.adapters.local_bedrock import LocalBedrock
from services.adapters.object_store import LocalObjectStore
from services.domain.custom import JobRequest, JobStatus, ThroughputStatus
from services.domain.errors import ProviderRejected
from tests.support.fakes import FakeClock


def setup(tmp_path: Path, clock: FakeClock) -> LocalBedrock:
    objects = LocalObjectStore(tmp_path)
    return LocalBedrock(tmp_path / "state", objects, job_seconds=60, throughput_seconds=10, clock=clock.epoch)


def test_state_survives_a_restart(tmp_path: Path) -> None:
    clock = FakeClock()
    objects = LocalObjectStore(tmp_path)
    data = b"".join(orjson.dumps({"prompt": f"q{i}", "completion": "a"}) + b"\n" for i in range(100))
    objects.put_bytes("s3://bkt/train.jsonl", data)
    request = JobRequest(
        job_name="bot-1",
        custom_model_name="bot",
        base_model_identifier="meta.llama3-1-8b-instruct-v1:0:128k",
        role_arn="arn:aws:iam::000000000000:role/x",
        training_uri="s3://bkt/train.jsonl",
        validation_uri=None,
        output_uri="s3://bkt/out/",
        hyperparameters={"epochCount": "1"},
        client_token="t" * 32,
    )
    first = setup(tmp_path, clock)
    arn = first.create_job(request)
    assert first.create_job(request) == arn  # idempotent
    with pytest.raises(ProviderRejected, match="ConflictException"):
        first.create_job(request.model_copy(update={"client_token": "u" * 32}))
    clock.advance(seconds=61)
    restarted = setup(tmp_path, clock)
    job = restarted.get_job(arn)
    assert job.status is JobStatus.COMPLETED and job.custom_model_arn.startswith("arn:aws:bedrock:us-east-1:")
    assert ":custom-model/meta.llama3-1-8b-instruct-v1:0:128k/" in job.custom_model_arn
    pt = restarted.create_throughput(name="bot-pt", model_arn=job.custom_model_arn, model_units=1, client_token="p")
    assert setup(tmp_path, clock).get_throughput(pt).status is ThroughputStatus.CREATING
    clock.advance(seconds=10)
    assert setup(tmp_path, clock).get_throughput("bot-pt").status is ThroughputStatus.IN_SERVICE
    with pytest.raises(ProviderRejected, match="limited to 1 model unit"):
        restarted.create_throughput(name="bot-pt2", model_arn=job.custom_model_arn, model_units=2, client_token="q")
