"""Idle throughput and deployments: how long each provisioned throughput (or on-demand deployment) has
gone without a call, what it cost while idle, and the idle guard (off by default) that warns, then
removes idle throughput. An on-demand deployment bills per token, so nothing while idle: it is only
told about (``deployment.idle``), never removed.

Invocations come from CloudWatch in aws mode (services/adapters/cloudwatch.py: AWS/Bedrock
``Invocations`` by ``ModelId``, one GetMetricData per region and round) and, in local mode, from the
calls Model Studio counted (services/inference/service.py). The guard removes a throughput only when it has been
idle ``auto_remove_hours``, a ``throughput.idle`` warning went out at least ``grace_hours`` before, and
no call came since that warning; the removal goes through CustomizationService.remove_throughput as the
system, so the model turns RED and is disabled as when a person removes it, and it is audited.
``auto_remove_hours`` is the team's (STUDIO_AUTO_REMOVE_IDLE_HOURS); a model's own ``idle_guard_hours``
overrides it (0: never removed), set through ``set_guard`` by its owner or an admin."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict

from services.costs.ledger import CostService
from services.customization import CustomizationService
from services.domain.actions import Action, decide, require
from services.domain.calls import Watched
from services.domain.custom import CustomModel, DeploymentStatus, ThroughputStatus
from services.domain.errors import InvalidRequest
from services.domain.identity import SYSTEM, Actor
from services.notices.events import told_by_system
from services.ports import AuditStore, UsageStore

WARNING = "idle-warning"
DEPLOYMENT_WARNING = "deployment-idle-warning"
LONG_RUNNING = "long-running-warning"
Kind = Literal["throughput", "deployment"]
WARNINGS: dict[Kind, str] = {"throughput": WARNING, "deployment": DEPLOYMENT_WARNING}  # audit actions


class InvocationSource(Protocol):
    def last_invocations(
        self, targets: Mapping[str, Watched], since: datetime, now: datetime
    ) -> dict[str, datetime | None]:
        """Per key of ``targets``: the latest hour with a call since ``since`` (None: none)."""


class CountedCalls:
    """Local mode: the last call Model Studio answered for each model (every call goes through it)."""

    def __init__(self, usage: UsageStore, flush: Callable[[], None]) -> None:
        self._usage = usage
        self._flush = flush

    def last_invocations(
        self, targets: Mapping[str, Watched], since: datetime, now: datetime
    ) -> dict[str, datetime | None]:
        self._flush()
        found: dict[str, datetime | None] = {}
        for key, target in targets.items():
            counts = self._usage.call_counts(target.model_id, f"{since:%Y-%m-%d}")
            times = [c.last_at for c in counts if c.last_at]
            found[key] = max(times) if times else None
        return found


class Idle(BaseModel):
    model_config = ConfigDict(frozen=True)

    model_id: str
    name: str
    idle_since: datetime  # the last call, or when the throughput went into service
    idle_hours: float
    idle_cost: float | None  # model units × hourly price × idle hours, when the price is known (0: a deployment)
    warned_at: datetime | None = None
    kind: Kind = "throughput"
    guard_hours: float | None = None  # removed after this long idle (None: never); throughput only


class IdleService:
    def __init__(
        self,
        customization: CustomizationService,
        costs: CostService,
        source: InvocationSource,
        audit: AuditStore,
        *,
        warn_hours: float = 24.0,
        running_warn_hours: float | None = None,
        auto_remove_hours: float | None = None,
        grace_hours: float = 2.0,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._customization = customization
        self._costs = costs
        self._source = source
        self._audit = audit
        self._warn_hours = warn_hours
        self._running_hours = running_warn_hours
        self._auto = auto_remove_hours
        self._grace = grace_hours
        self._clock = clock
        self._cache: tuple[float, list[Idle]] | None = None

    @property
    def guard_hours(self) -> float | None:
        """The team's idle guard (STUDIO_AUTO_REMOVE_IDLE_HOURS); None: off."""
        return self._auto

    def guard_for(self, model: CustomModel) -> float | None:
        """The idle guard that applies to this model: its own, else the team's (None: never removed)."""
        if model.idle_guard_hours is not None:
            return model.idle_guard_hours or None
        return self._auto

    def warn_after(self, guard: float | None) -> float:
        """Hours idle before the warning: the team's threshold, or earlier by the grace before a removal."""
        if guard is None:
            return self._warn_hours
        return max(0.0, min(self._warn_hours, guard - self._grace))

    def set_guard(self, model_id: str, hours: float | None, *, actor: Actor) -> CustomModel:
        """This model's own idle guard: ``hours`` idle before its throughput is removed, 0 never, None
        the team's setting. Its owner or an admin; audited."""
        if hours is not None and not (0 <= hours <= 24 * 366):
            raise InvalidRequest(
                f"Idle guard: {hours:g} hours is not a number of hours from 0 (never remove) to 8784 (a year).",
                ["IdleGuardHours: out of range"],
            )
        model = self._customization.get(model_id)
        require(Action.SET_IDLE_GUARD, self._customization.subject(model), actor)
        if hours is not None and hours > 0 and hours <= self._grace:
            raise InvalidRequest(
                f"Idle guard: {hours:g} hours is not more than the {self._grace:g} h grace "
                "(STUDIO_AUTO_REMOVE_GRACE_HOURS) the warning must give before a removal.",
                ["IdleGuardHours: not more than the grace"],
            )
        changed = self._customization.set_idle_guard(model, hours, actor=actor)
        self._cache = None  # what pages show follows at once
        return changed

    def _serving(self) -> list[tuple[Kind, CustomModel]]:
        found: list[tuple[Kind, CustomModel]] = []
        for m in self._customization.list():
            if m.throughput_status is ThroughputStatus.IN_SERVICE and m.throughput_arn and m.throughput_since:
                found.append(("throughput", m))
            if m.deployment_status is DeploymentStatus.ACTIVE and m.deployment_arn and m.deployment_since:
                found.append(("deployment", m))
        return found

    def shown(self, max_age_seconds: float = 60.0) -> list[Idle]:
        """idle() for pages: computed at most once a minute (in aws mode it asks CloudWatch)."""
        cached = self._cache
        if cached is not None and time.monotonic() - cached[0] < max_age_seconds:
            return cached[1]
        found = self.idle()
        self._cache = (time.monotonic(), found)
        return found

    def idle(self) -> list[Idle]:
        """Every InService throughput and Active deployment with how long it has been idle, longest first."""
        now = self._clock()
        serving = self._serving()
        if not serving:
            return []
        started = {(k, m.id): (m.throughput_since if k == "throughput" else m.deployment_since) for k, m in serving}
        oldest = min(t for t in started.values() if t is not None)
        targets = {
            f"{kind}:{m.id}": Watched(
                m.id,
                (m.throughput_arn if kind == "throughput" else m.deployment_arn) or "",
                m.region or self._costs.region,
            )
            for kind, m in serving
        }
        last = self._source.last_invocations(targets, oldest, now)
        found = []
        for kind, m in serving:
            begun = started[(kind, m.id)]
            assert begun is not None
            since = max(t for t in (last.get(f"{kind}:{m.id}"), begun) if t is not None)
            hours = max(0.0, (now - since).total_seconds() / 3600)
            cost: float | None = 0.0  # on demand: billed per token, nothing while idle
            guard = None
            if kind == "throughput":
                price = self._costs.prices_for(m.base_model_id, m.region or None).inference_no_commit.price
                cost = hours * (m.model_units or 1) * price if price is not None else None
                guard = self.guard_for(m)
            found.append(
                Idle(
                    model_id=m.id, name=m.name, idle_since=since, idle_hours=hours, idle_cost=cost,
                    warned_at=self._warned_at(m.id, since, WARNINGS[kind]), kind=kind, guard_hours=guard,
                )
            )  # fmt: skip
        return sorted(found, key=lambda i: -i.idle_hours)

    def _warned_at(self, model_id: str, since: datetime, action: str) -> datetime | None:
        events = self._audit.audit_events(model_id=model_id, action=action, limit=1)
        return events[0].at if events and events[0].at >= since else None

    def long_running(self) -> list[CustomModel]:
        """Tell once per throughput (``throughput.long_running``) when it has run longer than
        STUDIO_THROUGHPUT_WARN_HOURS, used or not; the models told this round."""
        if self._running_hours is None:
            return []
        now = self._clock()
        told = []
        for kind, m in self._serving():
            if kind != "throughput":
                continue
            assert m.throughput_since is not None
            hours = (now - m.throughput_since).total_seconds() / 3600
            if hours < self._running_hours:
                continue
            events = self._audit.audit_events(model_id=m.id, action=LONG_RUNNING, limit=1)
            if events and events[0].at >= m.throughput_since:
                continue
            detail = (
                f"{m.model_units or 1} model unit(s) running for {hours:.1f} h (more than "
                f"{self._running_hours:g}); billed every hour until removed"
            )
            self._audit.record_audit(
                [
                    told_by_system(
                        now, LONG_RUNNING, "throughput.long_running", detail, request_id="idle-guard",
                        model_id=m.id, model_name=m.name,
                    )
                ]
            )  # fmt: skip
            told.append(m)
        return told

    def guard(self) -> tuple[list[Idle], list[Idle]]:
        """One round: warn of throughput (and deployments) idle past the warning threshold, once per
        idle stretch, and remove throughput that stayed idle past its guard and the grace after the
        warning. Returns (warned, removed)."""
        self.long_running()
        warned, removed = [], []
        now = self._clock()
        for idle in self.idle():
            if idle.warned_at is None and idle.idle_hours >= self.warn_after(idle.guard_hours):
                self._warn(idle, now)
                warned.append(idle)
                continue
            if (
                idle.kind == "throughput"
                and idle.guard_hours is not None
                and idle.warned_at is not None
                and idle.idle_hours >= idle.guard_hours
                and now - idle.warned_at >= timedelta(hours=self._grace)
            ):
                model = self._customization.get(idle.model_id)
                if not decide(Action.REMOVE_THROUGHPUT, self._customization.subject(model)):
                    continue  # a commitment term runs: it cannot be removed before it ends (only told of)
                self._customization.remove_throughput(idle.model_id, actor=SYSTEM.for_request("idle-guard"))
                removed.append(idle)
        return warned, removed

    def _warn(self, idle: Idle, now: datetime) -> None:
        detail = f"no call for {idle.idle_hours:.1f} h"
        if idle.kind == "deployment":
            detail += "; an on-demand deployment bills per token, so nothing while idle, but the custom model's "
            detail += "storage goes on: remove it and delete the model if nobody needs it"
        elif idle.idle_cost is not None:
            detail += f"; ${idle.idle_cost:,.2f} spent while idle"
        if idle.guard_hours is not None:
            detail += f"; it will be removed after {idle.guard_hours:g} h idle unless it is called"
        self._audit.record_audit(
            [
                told_by_system(
                    now, WARNINGS[idle.kind], f"{idle.kind}.idle", detail, request_id="idle-guard",
                    model_id=idle.model_id, model_name=idle.name,
                )
            ]
        )  # fmt: skip
