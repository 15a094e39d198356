"""The one factory of custom models in any state, and ``view``: the model, its row and its rules from
one read, as the model page and ``GET /custom-models/{id}`` show them."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.bootstrap import build_services
from services.domain.custom import DeploymentStatus, JobStatus, ThroughputStatus
from services.domain.errors import ModelNotFound, ProviderUnavailable
from services.domain.models import Status
from services.settings import load_settings
from tests.support.factories import NOVA_MICRO, Served, State, custom_model, nova_jsonl
from tests.support.fakes import ADMIN, MEMBER, FakeClock, World

EXPECTED = {  # state: (job, throughput, deployment, light)
    State.TRAINING: (JobStatus.IN_PROGRESS, None, None, Status.RED),
    State.STOPPED: (JobStatus.STOPPED, None, None, Status.RED),
    State.COMPLETED: (JobStatus.COMPLETED, None, None, Status.RED),
    State.PROVISIONING: (JobStatus.COMPLETED, ThroughputStatus.CREATING, None, Status.RED),
    State.IN_SERVICE: (JobStatus.COMPLETED, ThroughputStatus.IN_SERVICE, None, Status.YELLOW),
    State.ENABLED: (JobStatus.COMPLETED, ThroughputStatus.IN_SERVICE, None, Status.GREEN),
}


@pytest.mark.parametrize("state", list(EXPECTED))
def test_the_factory_makes_a_model_in_each_state(w: World, state: State) -> None:
    model = custom_model(w, state, owner=MEMBER)
    job, throughput, deployment, light = EXPECTED[state]
    assert (model.job_status, model.throughput_status, model.deployment_status) == (job, throughput, deployment)
    assert w.catalog.get_model(model.id).status is light and model.created_by == MEMBER.id


@pytest.mark.parametrize(
    ("state", "deployment", "light"),
    [
        (State.DEPLOYING, DeploymentStatus.CREATING, Status.RED),
        (State.DEPLOYED, DeploymentStatus.ACTIVE, Status.YELLOW),
    ],
)
def test_the_factory_deploys_on_demand(
    tmp_path: Path, state: State, deployment: DeploymentStatus, light: Status
) -> None:
    clock = FakeClock()
    services = build_services(load_settings(data_dir=tmp_path, aws_regions=["us-east-1", "us-west-2"]), clock=clock)
    services.start(background=False)  # the bundled catalog, Nova included
    model = custom_model(Served(services, clock), state, name="nova-bot", base=NOVA_MICRO, data=nova_jsonl())
    assert model.deployment_status is deployment and model.throughput_status is None
    assert services.catalog.get_model(model.id).status is light


def test_view_is_one_refresh_and_one_catalog_read(w: World, monkeypatch: pytest.MonkeyPatch) -> None:
    model = custom_model(w, State.TRAINING)
    w.clock.advance(seconds=w.job_seconds + 1)
    reads: list[object] = []
    for name in ("get_model", "get_models"):
        real = getattr(w.store, name)
        monkeypatch.setattr(w.store, name, lambda *a, _real=real, _n=name: reads.append(_n) or _real(*a))
    seen = w.customization.view(model.id)
    assert reads == ["get_models"]  # the row and the base, together
    assert seen.model.job_status is JobStatus.COMPLETED and seen.stale is None  # refreshed on view
    assert seen.row.status is Status.RED and "Provision throughput" in seen.row.next_action
    assert seen.subject.id == model.id and seen.subject.status is Status.RED


def test_view_shows_the_last_known_state_and_says_why_when_bedrock_cannot_answer(w: World) -> None:
    model = custom_model(w, State.TRAINING)
    w.clock.advance(seconds=w.job_seconds + 1)
    w.backend.fail["get_job"] = ProviderUnavailable("Bedrock GetModelCustomizationJob: ThrottlingException")
    seen = w.customization.view(model.id)
    assert seen.model.job_status is JobStatus.IN_PROGRESS and "ThrottlingException" in (seen.stale or "")
    with pytest.raises(ModelNotFound):
        w.customization.view("custom:nobody")


def test_the_custom_models_kept_in_memory_follow_each_write_reading_only_what_changed(
    w: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = custom_model(w, State.COMPLETED, name="first")
    second = custom_model(w, State.IN_SERVICE, name="second")
    store, customization = w.services.store.custom_models, w.services.customization
    real_list = store.list_custom
    whole: list[int] = []  # how many times every record was read
    monkeypatch.setattr(store, "list_custom", lambda: whole.append(1) or real_list())

    def kept() -> list[tuple[str, bool, str]]:
        return [(m.id, m.enabled, m.description) for m in customization.list_at(w.services.catalog.generations())]

    def stored() -> list[tuple[str, bool, str]]:
        return [(m.id, m.enabled, m.description) for m in real_list()]

    assert kept() == stored() and [m[0] for m in kept()] == [first.id, second.id]
    whole.clear()
    w.catalog.enable(second.id, actor=ADMIN)  # one model's catalog row: only it is read again
    assert kept() == stored() and kept()[1][1] is True and whole == []
    store.update_custom(first.id, customization.get(first.id).version, {"description": "changed"})  # its record
    assert customization.get_at(first.id, w.services.catalog.generations()).description == "changed"
    assert kept() == stored() and whole == []
    store.delete_custom(first.id, customization.get(first.id).version)  # one gone: every record is read again
    assert kept() == stored() and [m[0] for m in kept()] == [second.id] and whole == [1]
