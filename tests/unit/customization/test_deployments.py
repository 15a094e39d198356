"""On-demand deployment of custom Nova models: deploy, Active (YELLOW), enable (GREEN), remove (RED,
disabled unless throughput still serves it); refused, with the reason, for other models. Local mode
as `make run` builds it, and the REST API."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_api
from services.customization import NewCustomModel
from services.domain.custom import DeploymentStatus
from services.domain.errors import TransitionNotAllowed
from services.domain.identity import LOCAL_ADMIN
from services.domain.models import Status
from tests.support.factories import (
    LLAMA,
    NOVA_MICRO,
    Served,
    State,
    custom_model,
    jsonl,
    local_services,
    nova_jsonl,
    upload,
)


@pytest.fixture
def local(tmp_path: Path):  # type: ignore[no-untyped-def]
    return local_services(
        tmp_path, LLAMA, NOVA_MICRO, aws_regions=["us-east-1", "us-west-2"], job_tags="team=ml,cost=fine-tune"
    )  # the catalog filled, as the server starts it


def completed(services, clock, name: str, base: str, data: bytes):  # type: ignore[no-untyped-def]
    return custom_model(Served(services, clock), State.COMPLETED, name=name, base=base, data=data, owner=LOCAL_ADMIN)


def test_a_custom_nova_model_is_deployed_on_demand_enabled_and_removed(local) -> None:
    services, clock = local
    nova = completed(services, clock, "nova-bot", NOVA_MICRO, nova_jsonl())
    assert nova.deployable and nova.region == "us-east-1"
    view = services.catalog.get_model(nova.id)
    assert view.status is Status.RED and "Deploy it on demand" in view.next_action
    deploying = services.customization.deploy(nova.id, actor=LOCAL_ADMIN)
    assert (
        deploying.deployment_status is DeploymentStatus.CREATING
        and ":custom-model-deployment/" in deploying.deployment_arn
    )
    with pytest.raises(TransitionNotAllowed, match="already has an on-demand deployment"):
        services.customization.deploy(nova.id, actor=LOCAL_ADMIN)
    clock.advance(seconds=11)
    active = services.customization.refresh(nova.id)
    assert active.deployment_status is DeploymentStatus.ACTIVE and active.throughput_status is None
    assert services.catalog.get_model(nova.id).status is Status.YELLOW  # servable with no throughput at all
    assert services.catalog.enable(nova.id, actor=LOCAL_ADMIN).status is Status.GREEN
    with pytest.raises(TransitionNotAllowed, match="Remove nova-bot's on-demand deployment before deleting"):
        services.customization.delete(nova.id, actor=LOCAL_ADMIN)
    removed = services.customization.remove_deployment(nova.id, actor=LOCAL_ADMIN)
    assert removed.deployment_status is None and not removed.enabled
    assert services.catalog.get_model(nova.id).status is Status.RED
    actions = [e.action for e in services.audit.audit_events(model_id=nova.id)]
    assert {"deploy", "deployment-created", "enable", "remove-deployment"} <= set(actions)


def test_a_llama_model_cannot_be_deployed_on_demand_and_the_rule_says_why(local) -> None:
    services, clock = local
    llama = completed(services, clock, "llama-bot", LLAMA, jsonl())
    assert not llama.deployable
    assert services.catalog.get_model(llama.id).next_action == "Provision throughput to use this model."
    with pytest.raises(TransitionNotAllowed, match="only custom Amazon Nova Micro, Lite and Pro"):
        services.customization.deploy(llama.id, actor=LOCAL_ADMIN)


def test_a_deployment_deleted_at_bedrock_turns_the_model_red_and_disabled(local, tmp_path: Path) -> None:
    services, clock = local
    nova = completed(services, clock, "nova-gone", NOVA_MICRO, nova_jsonl())
    services.customization.deploy(nova.id, actor=LOCAL_ADMIN)
    clock.advance(seconds=11)
    services.customization.refresh(nova.id)
    services.catalog.enable(nova.id, actor=LOCAL_ADMIN)
    for path in (tmp_path / "local-bedrock" / "deployments").glob("*.json"):
        path.unlink()  # deleted in the console
    services.customization.reconcile()
    gone = services.customization.get(nova.id)
    assert gone.deployment_status is None and not gone.enabled and "deleted outside" in (gone.deployment_failure or "")
    assert services.catalog.get_model(nova.id).status is Status.RED


def test_the_rest_api_deploys_and_removes(local) -> None:
    services, clock = local
    nova = completed(services, clock, "nova-api", NOVA_MICRO, nova_jsonl())
    llama = completed(services, clock, "llama-api", LLAMA, jsonl())
    client = TestClient(create_api(lambda: services), client=("127.0.0.1", 50000))
    refused = client.put(f"/custom-models/{llama.id}/deployment")
    assert refused.status_code == 409 and "provision throughput instead" in refused.json()["Message"]
    made = client.put(f"/custom-models/{nova.id}/deployment")
    assert made.status_code == 202 and made.json()["DeploymentStatus"] == "Creating" and made.json()["Deployable"]
    clock.advance(seconds=11)
    got = client.get(f"/custom-models/{nova.id}").json()
    assert got["DeploymentStatus"] == "Active" and got["StatusLight"] == "YELLOW" and got["DeploymentArn"]
    gone = client.delete(f"/custom-models/{nova.id}/deployment")
    assert gone.status_code == 202 and gone.json()["DeploymentStatus"] is None


def test_a_running_job_says_which_stage_it_is_in(local) -> None:
    services, clock = local
    model = services.customization.create(
        NewCustomModel(name="staged", base_model_id=LLAMA), upload(jsonl()), actor=LOCAL_ADMIN
    )
    seen = []
    for _ in range(4):
        seen.append(services.customization.refresh(model.id).job_stage)
        clock.advance(seconds=2.5)
    assert seen[:3] == ["Validation: InProgress", "Data processing: InProgress", "Training: InProgress"]
    clock.advance(seconds=60)
    assert services.customization.refresh(model.id).job_stage is None  # done: Completed says it all


def test_bedrocks_status_details_give_the_stage() -> None:
    from services.adapters.bedrock_customization import _stage

    assert _stage({"validationDetails": {"status": "Completed"}, "dataProcessingDetails": {"status": "InProgress"},
                   "trainingDetails": {"status": "NotStarted"}}) == "Data processing: InProgress"  # fmt: skip
    assert _stage({}) is None
