"""The monthly budget (STUDIO_MONTHLY_BUDGET): when this month's spend (CostService.month_spend) passes
80% of it, ``budget.warning`` is told, and past 100% ``budget.exceeded``, each once a month. It runs in
the reconciler's round, which one replica at a time holds (a lease), so each is told once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from services.costs.ledger import CostService, MonthSpend
from services.notices.events import told_by_system
from services.ports import AuditStore

THRESHOLDS = ((1.0, "budget.exceeded", "budget-exceeded"), (0.8, "budget.warning", "budget-warning"))


class BudgetWatch:
    def __init__(
        self,
        costs: CostService,
        audit: AuditStore,
        budget: float | None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._costs = costs
        self._audit = audit
        self.budget = budget
        self._clock = clock

    def share(self, spend: MonthSpend) -> float | None:
        return spend.spent / self.budget if self.budget else None

    def check(self) -> list[str]:
        """Tell what the month's spend passed and was not yet told this month; the events told."""
        if self.budget is None:
            return []
        spend = self._costs.month_spend()
        share = spend.spent / self.budget
        told = []
        for threshold, event, action in THRESHOLDS:
            if share < threshold:
                continue
            earlier = self._audit.audit_events(action=action, limit=1)
            if earlier and earlier[0].at >= spend.since:
                break  # told this month (and a warning after "exceeded" would say less)
            detail = (
                f"${spend.spent:,.2f} spent in {spend.month}: {share:.0%} of the ${self.budget:,.2f} monthly budget"
                + (f" (per-token calls ${spend.calls:,.2f})" if spend.calls else "")
                + (f"; no price for {', '.join(spend.unpriced[:5])}, not counted" if spend.unpriced else "")
            )
            self._audit.record_audit(
                [told_by_system(self._clock(), action, event, detail, request_id="budget", after=f"{share:.0%}")]
            )
            told.append(event)
            break  # the highest threshold passed is the one worth telling
        return told
