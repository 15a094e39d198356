from __future__ import annotations

import pytest

from services.domain.custom import JobStatus, ThroughputStatus
from services.domain.models import ModelType, Status
from services.domain.status import derive_status

BASE, CUSTOM = ModelType.BASE, ModelType.CUSTOM


@pytest.mark.parametrize(
    ("available", "enabled", "expected", "hint_part"),
    [
        (True, False, Status.YELLOW, "can enable"),
        (True, True, Status.GREEN, "can disable"),
        (False, False, Status.RED, "no longer offered"),
        (False, True, Status.RED, "cannot be enabled"),
    ],
)
def test_base_model_status(available: bool, enabled: bool, expected: Status, hint_part: str) -> None:
    status, hint = derive_status(BASE, available=available, enabled=enabled)
    assert status is expected
    assert hint_part in hint.lower()


@pytest.mark.parametrize(
    ("job", "throughput", "enabled", "expected", "hint_part"),
    [
        ("InProgress", None, False, Status.RED, "in progress"),
        ("Failed", None, False, Status.RED, "failure message"),
        ("Stopping", None, False, Status.RED, "stopping"),
        ("Stopped", None, False, Status.RED, "stopped"),
        ("Completed", None, False, Status.RED, "provision throughput"),
        ("Completed", "Creating", False, Status.RED, "wait for inservice"),
        ("Completed", "Failed", False, Status.RED, "remove it"),
        ("Completed", "InService", False, Status.YELLOW, "can enable"),
        ("Completed", "InService", True, Status.GREEN, "can disable"),
        # an enabled flag without InService throughput never makes a model usable
        ("Completed", "Creating", True, Status.RED, "wait"),
        ("InProgress", "InService", True, Status.RED, "in progress"),
    ],
)
def test_custom_model_status(job: str, throughput: str | None, enabled: bool, expected: Status, hint_part: str) -> None:
    status, hint = derive_status(
        CUSTOM,
        available=True,
        enabled=enabled,
        job_status=JobStatus(job),
        throughput_status=ThroughputStatus(throughput) if throughput else None,
    )
    assert status is expected
    assert hint_part in hint.lower()


def test_legacy_is_flagged_in_the_hint_without_changing_the_light() -> None:
    status, hint = derive_status(BASE, available=True, enabled=False, legacy=True)
    assert status is Status.YELLOW
    assert "Legacy" in hint


def test_the_outcome_beside_a_red_light_tells_completed_from_failed_and_stopped() -> None:
    from services.domain.models import Status
    from services.domain.status import outcome

    done, failed, stopped = JobStatus.COMPLETED, JobStatus.FAILED, JobStatus.STOPPED
    assert outcome(Status.RED, done) == "Completed"
    assert outcome(Status.RED, done, long=True) == "Completed · provision or deploy to use"
    assert outcome(Status.RED, done, ThroughputStatus.CREATING, long=True) == "Completed · starting to serve"
    assert outcome(Status.RED, failed, failure="Data  was\nbad", long=True) == "Failed · Data was bad"
    assert outcome(Status.RED, failed, failure="Data was bad") == "Failed"  # the short form: no reason
    assert outcome(Status.RED, stopped) == "Stopped" and outcome(Status.RED, JobStatus.IN_PROGRESS) == "Training"
    assert (
        outcome(Status.YELLOW, done, ThroughputStatus.IN_SERVICE) == ""
    )  # served: the light says it all  # served: the light says it all


def test_the_tables_draw_lights_without_an_emoji_font() -> None:
    from ui.components import LIGHT, LIGHT_MD

    assert all(ord(c) < 0x1F000 for light in LIGHT.values() for c in light)  # no emoji code points
    assert all(ord(c) < 0x1F000 for md in LIGHT_MD.values() for c in md)


def test_an_admin_is_told_to_enable_it_not_that_an_admin_can() -> None:
    from services.domain.status import ENABLE_HINT
    from tests.support.fakes import ADMIN, MEMBER
    from ui.components import for_whom

    assert for_whom(ENABLE_HINT, ADMIN) == "Ready to use: enable it."
    assert for_whom(ENABLE_HINT, MEMBER) == ENABLE_HINT


@pytest.mark.on_demand
def test_a_custom_models_light_comes_from_its_typed_states_and_its_availability(world) -> None:  # type: ignore[no-untyped-def]
    """One typed path: the page's and the rules' light for a custom model is the catalog's, and a model
    gone at the provider is RED whichever route asks (the rules used to assume it was there)."""
    from tests.support.factories import trained_and_served
    from tests.support.fakes import ADMIN

    world.catalog.sync(actor=ADMIN)
    world.catalog.enable("bedrock:amazon.titan-text-lite-v1:0:4k", actor=ADMIN)
    model = trained_and_served(world)
    subject = world.customization.subject(model)
    view = world.catalog.get_model(model.id)
    assert (subject.status, subject.next_action) == (view.status, view.next_action) == (Status.YELLOW, view.next_action)
    assert isinstance(view.record.job_status, JobStatus) and view.record.job_status is JobStatus.COMPLETED
    row = world.store.models[model.id]
    world.store.models[model.id] = row.model_copy(update={"available": False})  # gone at the provider
    gone = world.customization.subject(model)
    assert gone.status is Status.RED and "missing at the provider" in gone.next_action
    assert world.catalog.get_model(model.id).status is Status.RED
