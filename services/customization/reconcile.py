"""Reconciliation: adopt or roll back dead submissions and claims, refresh what is in flight."""

from __future__ import annotations

from services.customization.base import Collaborators, ServiceBase
from services.customization.common import ReconcileReport, _clear_deployment, _clear_throughput, _state
from services.customization.lifecycle import ModelLifecycle
from services.domain.custom import JobStatus
from services.domain.errors import (
    ConcurrentUpdate,
    ProviderError,
)
from services.domain.identity import SYSTEM


class Reconciling(ServiceBase):
    """Bringing every in-flight record in line with the provider."""

    def __init__(self, parts: Collaborators, lifecycle: ModelLifecycle) -> None:
        super().__init__(parts)
        self._lifecycle = lifecycle

    # ---- reconciliation -----------------------------------------------------------------------
    def reconcile(self) -> ReconcileReport:
        """Bring every in-flight record in line with the provider. Safe to run anywhere, any
        number of times, in several processes at once (updates are version-checked)."""
        refreshed = 0
        adopted: list[str] = []
        rolled_back: list[str] = []
        errors: list[str] = []
        now = self._clock()
        for model in self._store.list_custom():
            try:
                if model.job_status is JobStatus.SUBMITTING:
                    if (now - model.updated_at).total_seconds() < self._config.submit_grace_seconds:
                        continue  # a live process keeps a heartbeat while it uploads
                    job = self._backend(model.region).get_job(model.job_name)
                    if job is None:
                        event = self._event(
                            SYSTEM, "submission-rolled-back", model, _state(model), "deleted", "no job at the provider"
                        )
                        self._store.delete_custom(model.id, model.version, audit=[event])
                        rolled_back.append(model.name)
                    else:
                        changes = {"job_arn": job.job_arn, **self._lifecycle.job_changes(job)}
                        self._update(model, changes, actor=SYSTEM, action="submission-adopted")
                        adopted.append(model.name)
                    continue
                if model.throughput_status is not None and model.throughput_arn is None:
                    if (now - model.updated_at).total_seconds() < self._config.submit_grace_seconds:
                        continue
                    pt = self._backend(model.region).get_throughput(model.throughput_name or "")
                    changes = {"throughput_arn": pt.arn, "throughput_status": pt.status} if pt else _clear_throughput()
                    self._update(
                        model, changes, actor=SYSTEM, action="throughput-adopted" if pt else "throughput-rolled-back"
                    )
                    (adopted if pt else rolled_back).append(f"{model.name} throughput")
                    continue
                if model.deployment_status is not None and model.deployment_arn is None:
                    if (now - model.updated_at).total_seconds() < self._config.submit_grace_seconds:
                        continue
                    found = self._backend(model.region).get_deployment(model.deployment_name or "")
                    changes = (
                        {"deployment_arn": found.arn, "deployment_status": found.status}
                        if found
                        else _clear_deployment()
                    )
                    action = "deployment-adopted" if found else "deployment-rolled-back"
                    self._update(model, changes, actor=SYSTEM, action=action)
                    (adopted if found else rolled_back).append(f"{model.name} deployment")
                    continue
                if model.job_status.in_flight or model.throughput_status is not None or model.deployment_status:
                    self._lifecycle.refresh_record(model, deep=True)
                    refreshed += 1
            except ConcurrentUpdate:
                continue  # another process handled it
            except ProviderError as exc:
                errors.append(f"{model.name}: {exc}")
        return ReconcileReport(
            refreshed=refreshed, adopted=tuple(adopted), rolled_back=tuple(rolled_back), errors=tuple(errors)
        )
