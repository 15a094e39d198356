"""Background refresh of in-flight jobs and throughput. Safe with several app processes:
a database lease lets one process at a time do a round, and every update is version-checked
anyway, so a round that overlaps another changes each record once."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from services.background import Background
from services.customization import CustomizationService, ReconcileReport
from services.ports import CustomModelStore

log = logging.getLogger(__name__)
LEASE = "reconciler"


class Reconciler:
    def __init__(
        self,
        customization: CustomizationService,
        store: CustomModelStore,
        interval_seconds: float,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        owner: str | None = None,
        also: Sequence[Callable[[], object]] = (),
    ) -> None:
        self._customization = customization
        self._store = store
        self._interval = interval_seconds
        self._clock = clock
        self.owner = owner or f"reconciler-{uuid.uuid4().hex[:12]}"
        self._background = Background("model-studio-reconciler", interval_seconds, self._round)
        self._also = tuple(also)  # more work for the lease holder each round (the idle guard, the budget)

    def run_once(self) -> ReconcileReport | None:
        """One round, if this process holds the lease; None when another process does."""
        if not self._store.try_lease(LEASE, self.owner, self._interval * 3, self._clock()):
            return None
        report = self._customization.reconcile()
        for work in self._also:
            try:
                work()
            except Exception:  # one's failure must stop neither the reconciler nor the others
                log.exception("%s failed in the reconciler's round", getattr(work, "__qualname__", work))
        return report

    def _round(self) -> None:
        report = self.run_once()
        if report and (report.adopted or report.rolled_back or report.errors):
            log.info("reconciler: %s", report.model_dump())

    def start(self) -> None:
        self._background.start()

    def stop(self) -> None:
        self._background.stop()
