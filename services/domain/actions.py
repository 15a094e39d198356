"""What may happen to a model now, and why not: the one place each rule is decided.

The services enforce these decisions (``require``); the pages and the API only ask (``decide``)
to grey out a button or explain a refusal before it happens. Nothing else compares statuses to
decide what is allowed (tests/unit/test_architecture.py checks the pages and the API).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from services.domain.custom import (
    COMMITMENT_URL,
    CustomModel,
    DeploymentStatus,
    JobStatus,
    ThroughputStatus,
    commitment_ends,
)
from services.domain.errors import Forbidden, TransitionNotAllowed
from services.domain.identity import Actor
from services.domain.models import ModelType, ModelView, Status


class Action(StrEnum):
    ENABLE = "enable"
    DISABLE = "disable"
    STOP = "stop the job"
    PROVISION = "provision throughput"
    REMOVE_THROUGHPUT = "remove throughput"
    DEPLOY = "deploy on demand"
    REMOVE_DEPLOYMENT = "remove the on-demand deployment"
    DELETE = "delete"
    SET_IDLE_GUARD = "set the idle guard"
    INVOKE = "call"  # a chat through Model Studio (services/inference/service.py): GREEN models only
    TRY = "try in the playground"  # within Model Studio: GREEN, or its owner's (an admin's) servable custom model
    COPY = "copy to another region"  # CreateModelCopyJob: its owner or an admin; a completed model
    TUNE_FURTHER = "tune further"  # a new job from a completed custom model's weights: its owner, an admin, or GREEN


ADMIN_ACTIONS = frozenset({Action.ENABLE, Action.DISABLE})
NOT_DEPLOYABLE = (
    "Bedrock serves on demand only custom Amazon Nova Micro, Lite and Pro models customized on or after "
    "2025-07-16 in us-east-1 or us-west-2; provision throughput instead."
)
ENDED = frozenset({JobStatus.COMPLETED, JobStatus.FAILED, JobStatus.STOPPED})
_SERVED_ITSELF = "Bedrock serves it on demand by its own ARN once imported, billed by Custom Model Units."
_NOT_FOR_IMPORTED = {
    Action.STOP: "an import job cannot be stopped; wait for it to end, then delete the model.",
    Action.PROVISION: _SERVED_ITSELF,
    Action.DEPLOY: _SERVED_ITSELF,
    Action.COPY: "Bedrock copies custom models it made, not imported ones (CreateModelCopyJob).",
    Action.TUNE_FURTHER: "Bedrock customizes its own base models and their custom models, not imported weights.",
}


@dataclass(frozen=True)
class Subject:
    """What the rules look at: the light, and for a custom model its job and throughput."""

    id: str
    name: str
    model_type: ModelType
    status: Status
    next_action: str
    owner: str | None = None
    job_status: JobStatus | None = None
    throughput_status: ThroughputStatus | None = None
    custom_model_arn: str | None = None
    base_legacy: bool = False  # the base model is LEGACY at the provider: no new throughput
    deployment_status: DeploymentStatus | None = None
    deployable: bool = False  # Bedrock serves it on demand
    term_until: datetime | None = None  # its throughput's commitment term runs until then: it cannot be removed
    serves_itself: bool = False  # an imported model: Bedrock serves it on demand by its own ARN

    @property
    def label(self) -> str:
        return f"{self.name} ({self.id})"


def subject(view: ModelView, custom: CustomModel | None = None) -> Subject:
    return Subject(
        id=view.id,
        name=view.record.name,
        model_type=view.record.model_type,
        status=view.status,
        next_action=view.next_action,
        owner=custom.created_by if custom else None,
        job_status=custom.job_status if custom else None,
        throughput_status=custom.throughput_status if custom else None,
        custom_model_arn=custom.custom_model_arn if custom else None,
        deployment_status=custom.deployment_status if custom else None,
        deployable=custom.deployable if custom else False,
        serves_itself=custom.serves_itself if custom else False,
    )


def custom_subject(
    model: CustomModel, *, base_legacy: bool = False, available: bool = True, now: datetime | None = None
) -> Subject:
    """A custom model's subject from its record (its light, derived as the catalog derives it, from the
    same typed states; ``available``: whether the provider still has it, from the catalog's row; ``now``: for
    a commitment term, which runs until it ends: None counts any term as running)."""
    from services.domain.status import derive_status

    status, hint = derive_status(
        ModelType.CUSTOM,
        available=available,
        enabled=model.enabled,
        job_status=model.job_status,
        throughput_status=model.throughput_status,
        deployment_status=model.deployment_status,
        deployable=model.deployable,
        serves_itself=model.serves_itself,
    )
    return Subject(
        id=model.id,
        name=model.name,
        model_type=ModelType.CUSTOM,
        status=status,
        next_action=hint,
        owner=model.created_by,
        job_status=model.job_status,
        throughput_status=model.throughput_status,
        custom_model_arn=model.custom_model_arn,
        base_legacy=base_legacy,
        deployment_status=model.deployment_status,
        deployable=model.deployable,
        term_until=_term_until(model, now),
        serves_itself=model.serves_itself,
    )


def _term_until(model: CustomModel, now: datetime | None) -> datetime | None:
    if model.throughput_commitment is None or model.throughput_since is None:
        return None
    ends = commitment_ends(model.throughput_since, model.throughput_commitment)
    return ends if now is None or now < ends else None


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str = ""  # why not; empty when allowed
    forbidden: bool = False  # refused for the actor's role, not the model's state

    def __bool__(self) -> bool:
        return self.allowed


ALLOWED = Decision(True)


def decide(action: Action, s: Subject, actor: Actor | None = None) -> Decision:
    """May ``actor`` (or anyone, when None) do ``action`` to ``s`` now? If not, why not."""
    if actor is not None:
        who = role_refusal(action, s, actor)
        if who:
            return Decision(False, who, forbidden=True)
    return _state(action, s)


def require(action: Action, s: Subject, actor: Actor) -> None:
    """Raise Forbidden (the role) or TransitionNotAllowed (the state) unless ``decide`` allows it."""
    decision = decide(action, s, actor)
    if not decision:
        raise (Forbidden if decision.forbidden else TransitionNotAllowed)(decision.reason)


def role_refusal(action: Action, s: Subject, actor: Actor) -> str:
    if actor.is_admin or action is Action.INVOKE:  # any signed-in caller may call an enabled model
        return ""
    if action is Action.TRY:  # an enabled model by anyone; one not yet enabled by its owner (or an admin)
        if s.model_type is not ModelType.CUSTOM or s.status is Status.GREEN or (s.owner and s.owner == actor.id):
            return ""
        return (
            f"{s.label} is not enabled yet: trying it before an admin enables it is for its owner "
            f"({s.owner or 'unknown'}) or an admin; {actor.name} ({actor.id}) is a member."
        )
    if action is Action.TUNE_FURTHER and s.status is Status.GREEN:
        return ""  # enabled: shared with everyone, its weights too
    if action in ADMIN_ACTIONS:
        return f"Enabling and disabling models is for admins; {actor.name} ({actor.id}) is a member."
    if s.owner is not None and s.owner == actor.id:
        return ""
    what = {
        Action.STOP: "Stopping",
        Action.PROVISION: "Provisioning throughput for",
        Action.REMOVE_THROUGHPUT: "Removing throughput from",
        Action.DEPLOY: "Deploying",
        Action.REMOVE_DEPLOYMENT: "Removing the deployment of",
        Action.DELETE: "Deleting",
        Action.SET_IDLE_GUARD: "Setting the idle guard of",
        Action.TUNE_FURTHER: "Tuning further (before an admin enables it)",
        Action.COPY: "Copying",
    }[action]
    return (
        f"{what} {s.name}: only its owner ({s.owner or 'unknown'}) or an admin may; "
        f"{actor.name} ({actor.id}) is a member."
    )


def _state(action: Action, s: Subject) -> Decision:
    if action is Action.ENABLE:
        if s.status is Status.YELLOW:
            return ALLOWED
        if s.status is Status.GREEN:
            return Decision(False, f"{s.label} is already enabled (GREEN).")
        return Decision(
            False, f"Cannot enable {s.label}: it is RED. {s.next_action} Only YELLOW models can be enabled."
        )
    if action is Action.DISABLE:
        if s.status is Status.GREEN:
            return ALLOWED
        return Decision(
            False,
            f"Cannot disable {s.label}: it is {s.status.value}, not enabled. Only GREEN models can be disabled.",
        )
    if action is Action.TRY and s.status is Status.YELLOW and s.model_type is ModelType.CUSTOM:
        return ALLOWED  # servable (throughput or deployment): tried before it is enabled for the platform
    if action in (Action.INVOKE, Action.TRY):
        if s.status is Status.GREEN:
            return ALLOWED
        return Decision(
            False,
            f"{s.label} is {s.status.value}: only enabled (GREEN) models may be called. Next action: {s.next_action}",
        )
    if s.model_type is not ModelType.CUSTOM or s.job_status is None:
        return Decision(False, f"{s.label} is not a custom model: only custom models can {action.value}.")
    job = s.job_status
    if s.serves_itself and action in _NOT_FOR_IMPORTED:
        return Decision(False, f"{s.name} is an imported model: {_NOT_FOR_IMPORTED[action]}")
    if action is Action.STOP:
        if job is JobStatus.IN_PROGRESS:
            return ALLOWED
        return Decision(False, f"Only a job in progress can be stopped; {s.name}'s is {job}.")
    if action is Action.PROVISION:
        if job is not JobStatus.COMPLETED or not s.custom_model_arn:
            return Decision(
                False, f"Throughput can be provisioned only for a completed model; {s.name}'s job is {job}."
            )
        if s.throughput_status is not None:
            return Decision(False, f"{s.name} already has throughput ({s.throughput_status}).")
        if s.base_legacy:
            return Decision(False, f"{s.name}'s base model is LEGACY at Bedrock, which refuses new throughput for it.")
        return ALLOWED
    if action is Action.REMOVE_THROUGHPUT:
        if s.throughput_status is None:
            return Decision(False, f"{s.name} has no throughput to remove.")
        if s.term_until is not None:
            return Decision(
                False,
                f"{s.name}'s throughput is committed until {s.term_until:%Y-%m-%d %H:%M} UTC: a commitment term cannot "
                f"be ended early, and it renews at its end until the throughput is deleted ({COMMITMENT_URL}).",
            )
        return ALLOWED
    if action is Action.DEPLOY:
        if job is not JobStatus.COMPLETED or not s.custom_model_arn:
            return Decision(False, f"Only a completed model can be deployed; {s.name}'s job is {job}.")
        if not s.deployable:
            return Decision(False, f"{s.name} cannot be deployed on demand: {NOT_DEPLOYABLE}")
        if s.deployment_status is not None:
            return Decision(False, f"{s.name} already has an on-demand deployment ({s.deployment_status}).")
        return ALLOWED
    if action is Action.SET_IDLE_GUARD:
        return ALLOWED  # any custom model, before or while it has throughput
    if action is Action.TUNE_FURTHER:
        if job is not JobStatus.COMPLETED or not s.custom_model_arn:
            return Decision(False, f"Only a completed model can be tuned further; {s.name}'s job is {job}.")
        return ALLOWED
    if action is Action.COPY:
        if job is not JobStatus.COMPLETED or not s.custom_model_arn:
            return Decision(False, f"Only a completed model can be copied; {s.name}'s job is {job}.")
        return ALLOWED
    if action is Action.REMOVE_DEPLOYMENT:
        if s.deployment_status is None:
            return Decision(False, f"{s.name} has no on-demand deployment to remove.")
        return ALLOWED
    # Action.DELETE
    if s.throughput_status is not None:
        return Decision(False, f"Remove {s.name}'s throughput before deleting it.")
    if s.deployment_status is not None:
        return Decision(False, f"Remove {s.name}'s on-demand deployment before deleting it.")
    if job not in ENDED:
        return Decision(
            False,
            f"{s.name} cannot be deleted while its job is {job}; stop it and wait, or wait for it to finish.",
        )
    return ALLOWED
