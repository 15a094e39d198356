"""aws mode that starts usable, and answers from AWS that are odd but real: the bundled snapshot
until a sync succeeds, HTML error pages summarised, zone-less timestamps, a missing status."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import boto3
import pytest
from botocore.stub import Stubber

from services.adapters.bedrock_customization import BedrockCustomization
from services.bootstrap import build_services
from services.domain.custom import JobStatus
from services.domain.errors import ProviderDataError, summarize
from services.domain.models import Provider, SyncOutcome
from services.settings import load_settings


class OfflineSession:
    """A boto3 session whose clients are real but never used to reach AWS in these tests."""

    def __init__(self) -> None:
        self._session = boto3.Session(region_name="us-east-1")

    def client(self, service: str, region_name: str, config: object = None) -> object:
        return self._session.client(service, region_name=region_name, config=config)  # type: ignore[call-overload]


def aws_settings(tmp_path: Path):  # type: ignore[no-untyped-def]
    return load_settings(
        backend="aws", data_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'studio.db'}", allow_anonymous=True
    )


def test_aws_mode_starts_with_the_bundled_snapshot_marked_as_such(tmp_path: Path) -> None:
    services = build_services(aws_settings(tmp_path), aws_session=OfflineSession())
    services.start(background=False)  # as the server starts it
    models = services.catalog.list_models()
    assert len(models) > 50 and any(m.id == "bedrock:meta.llama3-1-8b-instruct-v1:0:128k" for m in models)
    runs = services.catalog.last_sync_runs()
    assert runs[Provider.BEDROCK].outcome is SyncOutcome.BUNDLED
    assert "bundled snapshot, not yet synced" in runs[Provider.BEDROCK].message
    again = build_services(aws_settings(tmp_path), aws_session=OfflineSession())  # a restart: not seeded twice
    again.start(background=False)
    assert len(again.catalog.list_models()) == len(models)


def test_an_html_error_page_is_summarised_not_pasted() -> None:
    page = (
        "<!DOCTYPE html><html><head><title>502 Bad Gateway</title><style>body{x:y}</style></head>"
        "<body><h1>Bad Gateway</h1>" + "<p>lorem ipsum</p>" * 500 + "</body></html>"
    )
    assert summarize(page) == "(an HTML error page) 502 Bad Gateway"
    no_title = "<html><body><h1>Service   Unavailable</h1><script>x()</script></body></html>"
    assert summarize(no_title) == "(an HTML error page) Service Unavailable"
    assert len(summarize("x" * 5000)) == 300 and summarize("plain words") == "plain words"


JOB = {
    "jobArn": "arn:aws:bedrock:us-east-1:123456789012:model-customization-job/meta.llama3-1-8b-instruct-v1:0:128k/abcdefghijkl",
    "jobName": "bot-abc",
    "outputModelName": "bot",
    "roleArn": "arn:aws:iam::123456789012:role/r",
    "creationTime": datetime(2026, 11, 1, 12, 0),
    "baseModelArn": "arn:aws:bedrock:us-east-1::foundation-model/meta.llama3-1-8b-instruct-v1:0:128k",
    "trainingDataConfig": {"s3Uri": "s3://b/t.jsonl"},
    "validationDataConfig": {"validators": []},
    "outputDataConfig": {"s3Uri": "s3://b/out/"},
}


def test_a_zone_less_end_time_is_taken_as_utc() -> None:
    client = boto3.client("bedrock", region_name="us-east-1")
    with Stubber(client) as stub:
        stub.add_response(
            "get_model_customization_job",
            JOB
            | {
                "status": "Completed",
                "endTime": datetime(2026, 11, 1, 13, 0),
                "outputModelArn": "arn:aws:bedrock:us-east-1:123456789012:custom-model/meta.llama3-1-8b-instruct-v1:0:128k/abcdefghijkl",
            },
        )
        job = BedrockCustomization(client).get_job("bot-abc")
    assert job is not None and job.status is JobStatus.COMPLETED
    assert job.end_time is not None and job.end_time.utcoffset() is not None


def test_an_answer_without_a_status_is_said() -> None:
    client = boto3.client("bedrock", region_name="us-east-1")
    with Stubber(client) as stub:
        stub.add_response("get_model_customization_job", JOB)
        with pytest.raises(ProviderDataError, match="no known status"):
            BedrockCustomization(client).get_job("bot-abc")
