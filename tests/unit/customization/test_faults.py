"""Faults in every provider call of create, stop, provision, remove, delete and sync: the user gets a
clear message, our records agree with the provider afterwards, and a retry succeeds.

The faults are what the adapters turn AWS's answers into (tests/adapters/test_bedrock_faults.py shows
that translation against real sockets and botocore's Stubber)."""

from __future__ import annotations

import io

import orjson
import pytest

from services.customization import NewCustomModel, Upload
from services.domain.custom import JobStatus, ThroughputStatus
from services.domain.errors import ProviderError, ProviderRejected, ProviderUnavailable
from services.domain.models import Provider, SyncOutcome
from tests.support.factories import LLAMA
from tests.support.fakes import ADMIN, World

FAULTS = {
    "throttling": ProviderUnavailable("Bedrock Op: ThrottlingException: Rate exceeded Try again shortly."),
    "service-unavailable": ProviderUnavailable("Bedrock Op: ServiceUnavailableException: down Try again shortly."),
    "timeout": ProviderUnavailable("Bedrock Op: could not reach the service (Read timeout on endpoint URL)."),
    "dropped-connection": ProviderUnavailable("Bedrock Op: could not reach the service (Connection was closed)."),
    "access-denied": ProviderRejected("Bedrock Op: access denied (no). The identity needs the Bedrock permission."),
    "validation": ProviderRejected("Bedrock Op: ValidationException: bad input"),
}
AMBIGUOUS = {"throttling", "service-unavailable", "timeout", "dropped-connection"}


def data() -> Upload:
    raw = b"".join(orjson.dumps({"prompt": f"q{i}", "completion": "a"}) + b"\n" for i in range(120))
    return Upload("t.jsonl", io.BytesIO(raw), len(raw))


def create(w: World):
    return w.customization.create(NewCustomModel(name="bot", base_model_id=LLAMA), data(), actor=ADMIN)


def provider_jobs(w: World) -> int:
    return len(list((w.root / "local-bedrock" / "jobs").glob("*.json")))


def provider_throughputs(w: World) -> int:
    return len(list((w.root / "local-bedrock" / "throughputs").glob("*.json")))


def completed(w: World):
    model = create(w)
    w.clock.advance(seconds=61)
    return w.customization.refresh(model.id)


@pytest.mark.parametrize("fault", FAULTS)
def test_create_job(w: World, fault: str) -> None:
    w.backend.fail["create_job"] = FAULTS[fault]
    with pytest.raises(ProviderError) as info:
        create(w)
    assert str(FAULTS[fault]) in str(info.value)
    models = w.customization.list()
    if fault in AMBIGUOUS:  # maybe created at Bedrock: the request is kept, Submitting, never guessed
        assert "The request is kept" in str(info.value)
        assert [m.job_status for m in models] == [JobStatus.SUBMITTING] and provider_jobs(w) == 0
    else:  # refused: nothing exists on either side
        assert "Nothing was created" in str(info.value) and models == [] and provider_jobs(w) == 0
    assert create(w).job_status is JobStatus.IN_PROGRESS  # the retry succeeds...
    assert provider_jobs(w) == 1 and len(w.customization.list()) == 1  # ...with one job and one record


@pytest.mark.parametrize("fault", sorted(AMBIGUOUS))
def test_create_job_whose_answer_was_lost(w: World, fault: str) -> None:
    w.backend.fail_after["create_job"] = FAULTS[fault]
    with pytest.raises(ProviderUnavailable):
        create(w)
    assert provider_jobs(w) == 1 and w.customization.list()[0].job_status is JobStatus.SUBMITTING
    assert create(w).job_status is JobStatus.IN_PROGRESS  # the same token: Bedrock answers with the same job
    assert provider_jobs(w) == 1


@pytest.mark.parametrize("fault", FAULTS)
def test_stop(w: World, fault: str) -> None:
    model = create(w)
    w.backend.fail["stop_job"] = FAULTS[fault]
    with pytest.raises(ProviderError, match="Bedrock Op"):
        w.customization.stop(model.id, actor=ADMIN)
    assert w.customization.get(model.id).job_status is JobStatus.IN_PROGRESS
    assert w.local_bedrock.get_job(model.job_name).status is JobStatus.IN_PROGRESS
    assert w.customization.stop(model.id, actor=ADMIN).job_status is JobStatus.STOPPING


@pytest.mark.parametrize("fault", FAULTS)
def test_provision_throughput(w: World, fault: str) -> None:
    model = completed(w)
    w.backend.fail["create_throughput"] = FAULTS[fault]
    with pytest.raises(ProviderError) as info:
        w.customization.provision_throughput(model.id, actor=ADMIN)
    after = w.customization.get(model.id)
    if fault in AMBIGUOUS:  # it may bill by the hour: the claim is kept so it cannot be orphaned
        assert "will not create a second one" in str(info.value)
        assert after.throughput_status is ThroughputStatus.CREATING and after.throughput_arn is None
    else:
        assert after.throughput_status is None
    assert provider_throughputs(w) == 0
    retried = w.customization.provision_throughput(model.id, actor=ADMIN)
    assert retried.throughput_arn is not None and provider_throughputs(w) == 1


@pytest.mark.parametrize("fault", sorted(AMBIGUOUS))
def test_provision_throughput_whose_answer_was_lost(w: World, fault: str) -> None:
    model = completed(w)
    w.backend.fail_after["create_throughput"] = FAULTS[fault]
    with pytest.raises(ProviderUnavailable):
        w.customization.provision_throughput(model.id, actor=ADMIN)
    assert provider_throughputs(w) == 1  # it exists at Bedrock, and our claim says so
    assert w.customization.provision_throughput(model.id, actor=ADMIN).throughput_arn is not None
    assert provider_throughputs(w) == 1  # the retry made no second one


@pytest.mark.parametrize("fault", FAULTS)
def test_remove_throughput(w: World, fault: str) -> None:
    model = completed(w)
    w.customization.provision_throughput(model.id, actor=ADMIN)
    w.backend.fail["delete_throughput"] = FAULTS[fault]
    with pytest.raises(ProviderError, match="Bedrock Op"):
        w.customization.remove_throughput(model.id, actor=ADMIN)
    assert w.customization.get(model.id).throughput_status is ThroughputStatus.CREATING
    assert provider_throughputs(w) == 1
    assert w.customization.remove_throughput(model.id, actor=ADMIN).throughput_status is None
    assert provider_throughputs(w) == 0


@pytest.mark.parametrize("fault", FAULTS)
def test_delete(w: World, fault: str) -> None:
    model = completed(w)
    w.backend.fail["delete_custom_model"] = FAULTS[fault]
    with pytest.raises(ProviderError, match="Bedrock Op"):
        w.customization.delete(model.id, actor=ADMIN)
    assert w.customization.get(model.id).job_status is JobStatus.COMPLETED
    w.customization.delete(model.id, actor=ADMIN)
    assert w.customization.list() == []


@pytest.mark.parametrize("fault", FAULTS)
def test_sync(w: World, fault: str) -> None:
    before = w.store.catalog.list_models()
    w.bedrock.error = FAULTS[fault]
    run = w.catalog.sync([Provider.BEDROCK], actor=ADMIN).runs[0]
    assert run.outcome is SyncOutcome.FAILED and str(FAULTS[fault]) in run.message
    assert "Nothing was changed" in run.message and w.store.catalog.list_models() == before
    w.bedrock.error = None
    assert w.catalog.sync([Provider.BEDROCK], actor=ADMIN).runs[0].outcome is SyncOutcome.OK


@pytest.mark.parametrize("fault", FAULTS)
def test_refresh(w: World, fault: str) -> None:
    model = create(w)
    w.clock.advance(seconds=61)
    w.backend.fail["get_job"] = FAULTS[fault]
    with pytest.raises(ProviderError):
        w.customization.refresh(model.id)
    assert w.customization.get(model.id).job_status is JobStatus.IN_PROGRESS
    assert w.customization.refresh(model.id).job_status is JobStatus.COMPLETED


def test_data_safety_training_data_survives_deletion_and_the_audit_trail_is_kept(w: World) -> None:
    model = completed(w)
    assert w.objects.size(model.training_uri) is not None
    w.customization.delete(model.id, actor=ADMIN)
    assert w.objects.size(model.training_uri) is not None  # never deleted by the app
    assert next(e.action for e in w.store.audit.audit_events(model_id=model.id)) == "delete"  # kept after deletion


def test_a_failed_upload_leaves_no_half_created_model(w: World) -> None:
    from services.domain.errors import ObjectStoreError

    def broken(*args: object, **kwargs: object) -> None:
        raise ObjectStoreError("s3://studio-test/...: S3 could not be reached (Connection was closed).")

    w.objects.upload = broken  # type: ignore[method-assign]
    with pytest.raises(ObjectStoreError, match="Nothing was created"):
        create(w)
    assert w.customization.list() == [] and provider_jobs(w) == 0
    assert w.store.audit.audit_events()[0].action == "create-rolled-back"  # and the trail says so


def test_a_refresh_written_while_bedrock_removes_the_throughput_does_not_turn_the_removal_into_a_conflict(
    world: World,
) -> None:
    """Bedrock has already let the throughput go when the reconciler writes the model meanwhile: the
    removal is recorded anyway, once, instead of a 409 with the record still showing it in service."""
    from tests.support.factories import trained_and_served

    world.catalog.sync(actor=ADMIN)
    world.catalog.enable("bedrock:amazon.titan-text-lite-v1:0:4k", actor=ADMIN)
    model = trained_and_served(world, name="raced")
    assert model.throughput_status is ThroughputStatus.IN_SERVICE

    def refresh_meanwhile() -> None:
        current = world.customization.get(model.id)
        world.store.custom_models.update_custom(model.id, current.version, {"description": "touched by a refresh"})

    world.backend.during["delete_throughput"] = refresh_meanwhile
    after = world.customization.remove_throughput(model.id, actor=ADMIN)
    assert after.throughput_status is None and after.throughput_arn is None and not after.enabled
    assert after.description == "touched by a refresh"  # the refresh's write is kept, not overwritten
    removals = [e for e in world.services.audit.audit_events(model_id=model.id) if e.action == "remove-throughput"]
    assert len(removals) == 1 and removals[0].notice == "throughput.removed"
