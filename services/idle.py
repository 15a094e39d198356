"""Idle throughput: how long each provisioned throughput has gone without a call, what it cost while
idle, and the idle guard (off by default) that warns, then removes it.

Invocations come from CloudWatch in aws mode (services/adapters/cloudwatch.py: AWS/Bedrock
``Invocations`` by ``ModelId``, one GetMetricData per region and round) and, in local mode, from the
calls Model Studio counted (services/inference.py). The guard removes a throughput only when it has been
idle ``auto_remove_hours``, a ``throughput.idle`` warning went out at least ``grace_hours`` before, and
no call came since that warning; the removal goes through CustomizationService.remove_throughput as the
system, so the model turns RED and is disabled as when a person removes it, and it is audited."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Protocol

from pydantic import BaseModel, ConfigDict

from services.costs import CostService
from services.customization import CustomizationService
from services.identity import SYSTEM
from services.models import AuditEvent, CustomModel, ThroughputStatus
from services.ports import AuditStore, UsageStore

WARNING = "idle-warning"
LONG_RUNNING = "long-running-warning"
Targets = Mapping[str, tuple[str, str]]  # our model id: (throughput ARN, region)


class InvocationSource(Protocol):
    def last_invocations(
        self, models: Mapping[str, tuple[str, str]], since: datetime, now: datetime
    ) -> dict[str, datetime | None]:
        """Per our model id, given (throughput ARN, region): the latest hour with a call since ``since``."""


class CountedCalls:
    """Local mode: the last call Model Studio answered for each model (every call goes through it)."""

    def __init__(self, usage: UsageStore, flush: Callable[[], None]) -> None:
        self._usage = usage
        self._flush = flush

    def last_invocations(
        self, models: Mapping[str, tuple[str, str]], since: datetime, now: datetime
    ) -> dict[str, datetime | None]:
        self._flush()
        found: dict[str, datetime | None] = {}
        for model_id in models:
            times = [c.last_at for c in self._usage.call_counts(model_id, f"{since:%Y-%m-%d}") if c.last_at]
            found[model_id] = max(times) if times else None
        return found


class Idle(BaseModel):
    model_config = ConfigDict(frozen=True)

    model_id: str
    name: str
    idle_since: datetime  # the last call, or when the throughput went into service
    idle_hours: float
    idle_cost: float | None  # model units × hourly price × idle hours, when the price is known
    warned_at: datetime | None = None


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
        return self._auto

    def _serving(self) -> list[CustomModel]:
        return [
            m
            for m in self._customization.list()
            if m.throughput_status is ThroughputStatus.IN_SERVICE and m.throughput_arn and m.throughput_since
        ]

    def shown(self, max_age_seconds: float = 60.0) -> list[Idle]:
        """idle() for pages: computed at most once a minute (in aws mode it asks CloudWatch)."""
        cached = self._cache
        if cached is not None and time.monotonic() - cached[0] < max_age_seconds:
            return cached[1]
        found = self.idle()
        self._cache = (time.monotonic(), found)
        return found

    def idle(self) -> list[Idle]:
        """Every InService throughput with how long it has been idle, longest first."""
        now = self._clock()
        serving = self._serving()
        if not serving:
            return []
        oldest = min(m.throughput_since for m in serving if m.throughput_since)
        last = self._source.last_invocations(
            {m.id: (m.throughput_arn or "", m.region or self._costs.region) for m in serving}, oldest, now
        )
        found = []
        for m in serving:
            assert m.throughput_since is not None
            since = max(t for t in (last.get(m.id), m.throughput_since) if t is not None)
            hours = max(0.0, (now - since).total_seconds() / 3600)
            price = self._costs.prices_for(m.base_model_id, m.region or None).inference_no_commit.price
            cost = hours * (m.model_units or 1) * price if price is not None else None
            warned = self._warned_at(m.id, since)
            found.append(
                Idle(model_id=m.id, name=m.name, idle_since=since, idle_hours=hours, idle_cost=cost, warned_at=warned)
            )
        return sorted(found, key=lambda i: -i.idle_hours)

    def _warned_at(self, model_id: str, since: datetime) -> datetime | None:
        events = self._audit.audit_events(model_id=model_id, action=WARNING, limit=1)
        return events[0].at if events and events[0].at >= since else None

    @property
    def warn_after_hours(self) -> float:
        if self._auto is None:
            return self._warn_hours
        return max(0.0, min(self._warn_hours, self._auto - self._grace))

    def long_running(self) -> list[CustomModel]:
        """Tell once per throughput (``throughput.long_running``) when it has run longer than
        STUDIO_THROUGHPUT_WARN_HOURS, used or not; the models told this round."""
        if self._running_hours is None:
            return []
        now = self._clock()
        told = []
        for m in self._serving():
            assert m.throughput_since is not None
            hours = (now - m.throughput_since).total_seconds() / 3600
            if hours < self._running_hours:
                continue
            events = self._audit.audit_events(model_id=m.id, action=LONG_RUNNING, limit=1)
            if events and events[0].at >= m.throughput_since:
                continue
            self._audit.record_audit(
                [
                    AuditEvent(
                        at=now, actor_id=SYSTEM.id, actor_name=SYSTEM.name, action=LONG_RUNNING, model_id=m.id,
                        model_name=m.name, request_id="idle-guard", notice="throughput.long_running",
                        detail=f"{m.model_units or 1} model unit(s) running for {hours:.1f} h (more than "
                        f"{self._running_hours:g}); billed every hour until removed",
                    )
                ]
            )  # fmt: skip
            told.append(m)
        return told

    def guard(self) -> tuple[list[Idle], list[Idle]]:
        """One round: warn of throughput idle past the warning threshold (once per idle stretch), and
        with the guard on, remove what stayed idle past ``auto_remove_hours`` and its grace. Returns
        (warned, removed)."""
        self.long_running()
        warned, removed = [], []
        now = self._clock()
        for idle in self.idle():
            if idle.warned_at is None and idle.idle_hours >= self.warn_after_hours:
                detail = f"no call for {idle.idle_hours:.1f} h"
                if idle.idle_cost is not None:
                    detail += f"; ${idle.idle_cost:,.2f} spent while idle"
                if self._auto is not None:
                    detail += f"; it will be removed after {self._auto:g} h idle unless it is called"
                model = self._customization.get(idle.model_id)
                self._audit.record_audit(
                    [
                        AuditEvent(
                            at=now, actor_id=SYSTEM.id, actor_name=SYSTEM.name, action=WARNING, model_id=model.id,
                            model_name=model.name, request_id="idle-guard", detail=detail, notice="throughput.idle",
                        )
                    ]
                )  # fmt: skip
                warned.append(idle)
                continue
            if (
                self._auto is not None
                and idle.warned_at is not None
                and idle.idle_hours >= self._auto
                and now - idle.warned_at >= timedelta(hours=self._grace)
            ):
                self._customization.remove_throughput(idle.model_id, actor=SYSTEM.for_request("idle-guard"))
                removed.append(idle)
        return warned, removed
