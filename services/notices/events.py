"""Which state changes are worth telling someone about: the one rule that names an event for a change
of a custom model. The event is written with the change's audit event, in the same transaction
(services/adapters/sql: the outbox), so none is lost and none is invented; services/notices/dispatch.py
delivers it."""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime
from typing import Any

from services.domain.custom import CustomModel, DeploymentStatus, JobStatus, ThroughputStatus
from services.domain.identity import SYSTEM
from services.domain.notices import Notice
from services.domain.records import AuditEvent

JOB_EVENTS = {
    JobStatus.COMPLETED: "job.completed",
    JobStatus.FAILED: "job.failed",
    JobStatus.STOPPED: "job.stopped",
}
THROUGHPUT_EVENTS = {ThroughputStatus.IN_SERVICE: "throughput.in_service", ThroughputStatus.FAILED: "throughput.failed"}
DEPLOYMENT_EVENTS = {DeploymentStatus.ACTIVE: "deployment.active", DeploymentStatus.FAILED: "deployment.failed"}
EVENTS = (
    *JOB_EVENTS.values(),
    *THROUGHPUT_EVENTS.values(),
    "throughput.removed",
    *DEPLOYMENT_EVENTS.values(),
    "model.disabled",
    "throughput.idle",  # services/costs/idle.py
    "deployment.idle",  # services/costs/idle.py
    "throughput.long_running",  # services/costs/idle.py
    "evaluation.finished",  # services/evaluation/service.py
    "budget.warning",  # services/costs/budget.py: the month's spend past 80% of STUDIO_MONTHLY_BUDGET
    "budget.exceeded",  # services/costs/budget.py: past 100%
)
TITLES = {  # a notice as people read it (the event codes are for webhooks and filters)
    "job.completed": "Job completed",
    "job.failed": "Job failed",
    "job.stopped": "Job stopped",
    "throughput.in_service": "Throughput in service",
    "throughput.failed": "Throughput failed",
    "throughput.removed": "Throughput removed",
    "deployment.active": "Deployment active",
    "deployment.failed": "Deployment failed",
    "model.disabled": "Model disabled",
    "throughput.idle": "Throughput idle",
    "deployment.idle": "Deployment idle",
    "throughput.long_running": "Throughput running long",
    "evaluation.finished": "Evaluation finished",
    "budget.warning": "Budget at 80%",
    "budget.exceeded": "Budget exceeded",
}
DESCRIPTIONS = {
    "job.completed": "a fine-tuning job completed",
    "job.failed": "a fine-tuning job failed",
    "job.stopped": "a fine-tuning job was stopped",
    "throughput.in_service": "provisioned throughput is in service (billed every hour from now)",
    "throughput.failed": "provisioned throughput failed",
    "throughput.removed": "provisioned throughput was removed",
    "deployment.active": "an on-demand deployment is active",
    "deployment.failed": "an on-demand deployment failed",
    "model.disabled": "a model was disabled because its throughput or deployment went away",
    "throughput.idle": "throughput nobody called for a while (and the idle guard's warning)",
    "deployment.idle": "an on-demand deployment nobody called for a while",
    "throughput.long_running": "throughput running longer than STUDIO_THROUGHPUT_WARN_HOURS",
    "evaluation.finished": "an evaluation against the base model finished",
    "budget.warning": "this month's spend passed 80% of the monthly budget",
    "budget.exceeded": "this month's spend passed the monthly budget",
}


def event_for(before: CustomModel, after: CustomModel) -> str | None:
    """The event a change from ``before`` to ``after`` makes, if any (the most telling one)."""
    if before.enabled and not after.enabled and after.throughput_status is None and after.deployment_status is None:
        return "model.disabled"  # it lost its way to be served (a person removed it, or it vanished)
    if after.job_status != before.job_status and after.job_status in JOB_EVENTS:
        return JOB_EVENTS[after.job_status]
    if after.throughput_status != before.throughput_status:
        if after.throughput_status is None and before.throughput_status is not None:
            return "throughput.removed"
        if after.throughput_status in THROUGHPUT_EVENTS:
            return THROUGHPUT_EVENTS[after.throughput_status]
    if after.deployment_status != before.deployment_status and after.deployment_status in DEPLOYMENT_EVENTS:
        return DEPLOYMENT_EVENTS[after.deployment_status]
    return None


def told_by_system(
    at: datetime,
    action: str,
    event: str,
    detail: str,
    *,
    request_id: str,
    model_id: str | None = None,
    model_name: str | None = None,
    after: str | None = None,
) -> AuditEvent:
    """An audit event of Model Studio itself (the idle guard, the budget, an evaluation runner) that
    carries the notice ``event``."""
    return AuditEvent(
        at=at, actor_id=SYSTEM.id, actor_name=SYSTEM.name, action=action, model_id=model_id, model_name=model_name,
        after=after, request_id=request_id, detail=detail, notice=event,
    )  # fmt: skip


def payload(notice: Notice, base_url: str = "") -> dict[str, Any]:
    """What a webhook receives: the stable Id (receivers drop repeats by it) and a Slack-compatible text."""
    url = f"{base_url.rstrip('/')}/custom-models?model={notice.model_id}" if base_url and notice.model_id else ""
    text = f"Model Studio: {notice.event} for {notice.model_name or notice.model_id or 'a model'}"
    if notice.status:
        text += f" (now {notice.status})"
    if notice.detail:
        text += f": {notice.detail}"
    return {
        "Id": notice.id,
        "Event": notice.event,
        "ModelId": notice.model_id,
        "ModelName": notice.model_name,
        "Status": notice.status,
        "At": notice.at.isoformat(),
        "Detail": notice.detail,
        "Url": url,
        "text": text,
    }


def signature(body: bytes, secret: str) -> str:
    """X-Studio-Signature: sha256=<hex HMAC-SHA256 of the raw body with the shared secret>."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
