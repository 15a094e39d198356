"""The rules of services/domain/actions.py, table-driven: every light, job and throughput state against
every action, for the owner, another member and an admin."""

from __future__ import annotations

import itertools

import pytest

from services.domain.actions import Action, Subject, decide, require
from services.domain.custom import DeploymentStatus, JobStatus, ThroughputStatus
from services.domain.errors import Forbidden, TransitionNotAllowed
from services.domain.identity import Actor, Role
from services.domain.models import ModelType, Status
from services.domain.status import derive_status

ADMIN = Actor(id="ada@example.com", name="Ada", role=Role.ADMIN, via="test")
OWNER = Actor(id="mia@example.com", name="Mia", role=Role.MEMBER, via="test")
OTHER = Actor(id="otto@example.com", name="Otto", role=Role.MEMBER, via="test")
ENDED = {JobStatus.COMPLETED, JobStatus.FAILED, JobStatus.STOPPED}


def base(status: Status) -> Subject:
    return Subject(id="bedrock:m", name="M", model_type=ModelType.BASE, status=status, next_action="…")


def custom(
    job: JobStatus,
    throughput: ThroughputStatus | None,
    enabled: bool,
    deployment: DeploymentStatus | None = None,
    deployable: bool = False,
) -> Subject:
    status, hint = derive_status(
        ModelType.CUSTOM,
        available=True,
        enabled=enabled,
        job_status=job,
        throughput_status=throughput,
        deployment_status=deployment,
        deployable=deployable,
    )
    return Subject(
        id="custom:c",
        name="c",
        model_type=ModelType.CUSTOM,
        status=status,
        next_action=hint,
        owner=OWNER.id,
        job_status=job,
        throughput_status=throughput,
        custom_model_arn="arn:aws:bedrock:us-east-1:1:custom-model/c" if job is JobStatus.COMPLETED else None,
        deployment_status=deployment,
        deployable=deployable,
    )


def expected_by_state(action: Action, s: Subject) -> bool:
    """The rules of DESIGN.md, written out independently of services/domain/actions.py."""
    if action is Action.ENABLE:
        return s.status is Status.YELLOW
    if action in (Action.DISABLE, Action.INVOKE):  # only an enabled model may be called
        return s.status is Status.GREEN
    if action is Action.TRY:  # the playground also tries a servable custom model before it is enabled
        return s.status is Status.GREEN or (s.status is Status.YELLOW and s.model_type is ModelType.CUSTOM)
    if s.model_type is ModelType.BASE:
        return False
    return {
        Action.STOP: s.job_status is JobStatus.IN_PROGRESS,
        Action.PROVISION: s.job_status is JobStatus.COMPLETED and s.throughput_status is None,
        Action.REMOVE_THROUGHPUT: s.throughput_status is not None,
        Action.DEPLOY: s.job_status is JobStatus.COMPLETED and s.deployable and s.deployment_status is None,
        Action.REMOVE_DEPLOYMENT: s.deployment_status is not None,
        Action.DELETE: s.throughput_status is None and s.deployment_status is None and s.job_status in ENDED,
        Action.SET_IDLE_GUARD: True,  # its own guard may be set at any time, before throughput too
        Action.TUNE_FURTHER: s.job_status is JobStatus.COMPLETED,  # its weights exist
        Action.COPY: s.job_status is JobStatus.COMPLETED,
    }[action]


SUBJECTS = [base(status) for status in Status] + [
    custom(job, pt, enabled, dep, deployable)
    for job, pt, enabled, dep, deployable in itertools.product(
        JobStatus, [None, *ThroughputStatus], [False, True], [None, *DeploymentStatus], [False, True]
    )
    if (pt is None or job is JobStatus.COMPLETED)
    and (dep is None or (job is JobStatus.COMPLETED and deployable))
    and (not enabled or pt is ThroughputStatus.IN_SERVICE or dep is DeploymentStatus.ACTIVE)
]


@pytest.mark.parametrize("action", list(Action))
@pytest.mark.parametrize(
    "s", SUBJECTS, ids=lambda s: f"{s.model_type.value}-{s.status.value}-{s.job_status}-{s.throughput_status}"
)
def test_every_state_and_action(action: Action, s: Subject) -> None:
    allowed = expected_by_state(action, s)
    assert bool(decide(action, s)) is allowed
    assert bool(decide(action, s, ADMIN)) is allowed  # an admin may do anything the state allows
    decision = decide(action, s)
    assert decision.reason == "" if allowed else decision.reason  # a refusal always says why
    member = decide(action, s, OWNER)
    if action in (Action.ENABLE, Action.DISABLE):
        assert not member and member.forbidden and "for admins" in member.reason
    elif action in (Action.INVOKE, Action.TRY):  # anyone may call an enabled model, whoever made it
        assert bool(member) is allowed
        assert allowed or ("GREEN" in member.reason and s.next_action in member.reason)
        other = decide(action, s, OTHER)
        if action is Action.TRY and s.status is not Status.GREEN:  # not yet enabled: its owner's (an admin's)
            assert not other and (other.forbidden or not allowed)
            assert not allowed or "for its owner" in other.reason
        else:
            assert bool(other) is allowed
    elif action is Action.TUNE_FURTHER:  # its owner's, an admin's, or anyone's once enabled (shared)
        assert bool(member) is allowed
        other = decide(action, s, OTHER)
        assert bool(other) is (allowed and s.status is Status.GREEN)
    else:
        assert bool(member) is allowed  # the owner may act on their own model
        other = decide(action, s, OTHER)
        assert not other and (other.forbidden or not allowed)


def test_require_raises_the_right_error() -> None:
    s = custom(JobStatus.IN_PROGRESS, None, False)
    with pytest.raises(Forbidden, match="only its owner"):
        require(Action.STOP, s, OTHER)
    with pytest.raises(TransitionNotAllowed, match="cannot be deleted while its job is InProgress"):
        require(Action.DELETE, s, OWNER)
    require(Action.STOP, s, OWNER)  # allowed: no error
    assert decide(Action.STOP, s, OWNER)


def test_the_table_covers_every_light_job_and_throughput_state() -> None:
    assert {s.status for s in SUBJECTS} == set(Status)
    assert {s.job_status for s in SUBJECTS if s.job_status} == set(JobStatus)
    assert {s.throughput_status for s in SUBJECTS if s.throughput_status} == set(ThroughputStatus)
    assert {s.deployment_status for s in SUBJECTS if s.deployment_status} == set(DeploymentStatus)
    yellow_by_deployment = [
        s for s in SUBJECTS if s.deployment_status is DeploymentStatus.ACTIVE and s.throughput_status is None
    ]
    assert yellow_by_deployment and all(s.status is not Status.RED for s in yellow_by_deployment)


def test_no_throughput_for_a_model_whose_base_is_legacy() -> None:
    from dataclasses import replace

    s = replace(custom(JobStatus.COMPLETED, None, False), base_legacy=True)
    decision = decide(Action.PROVISION, s, ADMIN)
    assert not decision and "LEGACY" in decision.reason
    assert decide(Action.DELETE, s, ADMIN)  # it can still be deleted


def test_a_throughput_on_a_term_cannot_be_removed_until_the_term_ends() -> None:
    from datetime import UTC, datetime

    from services.domain.actions import custom_subject
    from services.domain.custom import CustomModel

    since = datetime(2026, 1, 31, 10, tzinfo=UTC)
    model = CustomModel(
        id="custom:c", name="c", base_model_id="bedrock:m", base_model_name="M", hyperparameters={},
        training_uri="s3://b/t", output_uri="s3://b/o/", job_name="j", client_token="t", job_status=JobStatus.COMPLETED,
        custom_model_arn="arn:aws:bedrock:us-east-1:1:custom-model/c", throughput_status=ThroughputStatus.IN_SERVICE,
        model_units=1, throughput_commitment="OneMonth", throughput_since=since, created_at=since, updated_at=since,
    )  # fmt: skip
    during = decide(Action.REMOVE_THROUGHPUT, custom_subject(model, now=datetime(2026, 2, 27, tzinfo=UTC)))
    assert not during and "committed until 2026-02-28 10:00 UTC" in during.reason  # the 31st ends on the 28th
    assert decide(Action.REMOVE_THROUGHPUT, custom_subject(model, now=datetime(2026, 3, 1, tzinfo=UTC)))
    assert not decide(Action.REMOVE_THROUGHPUT, custom_subject(model))  # no clock: the term counts as running
