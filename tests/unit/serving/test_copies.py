"""Copying a custom model to another region on the local backend as `make run` builds it: a Nova model copied from
us-east-1 to us-west-2 is a custom model of its own there, followed like a job, then deployed there; what AWS's copy
table does not list, or a region not configured, is refused in words; its owner or an admin only."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_api
from services.domain.custom import JobStatus
from services.domain.errors import Forbidden, InvalidRequest
from services.domain.identity import LOCAL_ADMIN
from tests.support.factories import NOVA_MICRO, Served, State, custom_model, jsonl, local_services, nova_jsonl
from tests.support.fakes import MEMBER

OTTO = MEMBER.model_copy(update={"id": "otto@example.com", "name": "Otto"})


@pytest.fixture
def local(tmp_path: Path):  # type: ignore[no-untyped-def]
    return local_services(tmp_path, aws_regions=["us-east-1", "us-west-2"])


def test_a_nova_model_is_copied_to_another_region_followed_like_a_job_and_served_there(local) -> None:
    services, clock = local
    source = custom_model(
        Served(services, clock), State.COMPLETED, name="bot", base=NOVA_MICRO, data=nova_jsonl(), owner=MEMBER
    )
    assert source.region == "us-east-1"
    api = TestClient(create_api(lambda: services), client=("127.0.0.1", 50000))
    made = api.post(f"/custom-models/{source.id}/copies", json={"Region": "us-west-2"})
    assert made.status_code == 202, made.text
    copy = services.customization.get(made.json()["Id"])
    assert copy.region == "us-west-2" and copy.copied_from == source.id and copy.name == "bot-us-west-2"
    assert copy.job_status is JobStatus.IN_PROGRESS and ":us-west-2:" in (copy.job_arn or "")
    assert made.json()["CopiedFrom"] == source.id
    clock.advance(seconds=services.settings.sim_throughput_seconds + 1)
    done = services.customization.refresh(copy.id)
    assert done.job_status is JobStatus.COMPLETED and ":us-west-2:" in (done.custom_model_arn or "")
    services.customization.deploy(done.id, actor=LOCAL_ADMIN)  # servable in its region (made by the API caller)
    clock.advance(seconds=services.settings.sim_throughput_seconds + 1)
    assert services.customization.refresh(done.id).deployment_status is not None
    assert "model-months" in services.costs.costs(done.id).storage_note  # its storage, metered in its region
    again = api.post(f"/custom-models/{source.id}/copies", json={"Region": "us-west-2"})
    assert again.status_code == 202 and again.json()["ModelName"] == "bot-us-west-2-2"


def test_what_cannot_be_copied_is_refused_in_words_and_nothing_is_made(local) -> None:
    services, clock = local
    titan = "bedrock:amazon.titan-text-lite-v1:0:4k"
    nova = custom_model(
        Served(services, clock), State.COMPLETED, name="bot", base=NOVA_MICRO, data=nova_jsonl(), owner=MEMBER
    )
    other = custom_model(Served(services, clock), State.COMPLETED, name="coder", base=titan, data=jsonl(), owner=MEMBER)
    before = len(services.customization.list())
    for model, region, said in (
        (nova, "us-east-1", "is in us-east-1 already"),
        (nova, "eu-west-1", "eu-west-1 is not configured"),
        (nova, "sa-east-1", "not sa-east-1"),
        (other, "us-west-2", "does not copy custom models of Titan Text G1 - Lite"),
    ):
        with pytest.raises(InvalidRequest, match=said):
            services.customization.copy(model.id, region, actor=MEMBER)
    with pytest.raises(Forbidden, match="only its owner"):
        services.customization.copy(nova.id, "us-west-2", actor=OTTO)
    assert len(services.customization.list()) == before
    services.customization.copy(nova.id, "us-west-2", actor=LOCAL_ADMIN)  # an admin may
