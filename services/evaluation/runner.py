"""The background runner of evaluations: oldest first, a fair share per engineer, a lease per run."""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime

from services.background import Background
from services.domain.evaluations import Evaluation, EvaluationStatus
from services.evaluation.service import EvaluationService

log = logging.getLogger(__name__)


class EvaluationRunner:
    """Runs queued evaluations in the background, oldest first: up to ``max_running`` at a time in
    this process, and no more than ``per_user`` running at once for one engineer across every
    replica (so one member's queue never starves another's). A run is held by a database lease
    renewed as it goes: if this process dies, another (or this one, restarted) takes the run over
    once the lease expires, and resumes from the stored records."""

    def __init__(
        self,
        evaluations: EvaluationService,
        try_lease: Callable[[str, str, float, datetime], bool],
        lease_seconds: float = 30.0,
        poll_seconds: float = 1.0,
        *,
        max_running: int = 4,
        per_user: int = 1,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._evaluations = evaluations
        self._try_lease = try_lease
        self._lease = lease_seconds
        self._max_running = max_running
        self._per_user = per_user
        self._clock = clock
        self.owner = f"evaluations-{uuid.uuid4().hex[:12]}"
        self._active: dict[str, threading.Thread] = {}
        self._finished: list[Evaluation] = []
        self._lock = threading.Lock()
        self._background = Background("model-studio-evaluations", poll_seconds, self.start_due)

    def start_due(self, exclude: frozenset[str] = frozenset()) -> list[str]:
        """Start, oldest first, every open run this process may take now (but those in ``exclude``);
        the ids it started. A queued run waits while its engineer already has ``per_user`` runs going
        (here or in another replica)."""
        pending = self._evaluations.pending()
        running = Counter(e.created_by for e in pending if e.status is EvaluationStatus.RUNNING)
        started: list[str] = []
        for evaluation in pending:
            with self._lock:
                if evaluation.id in self._active or evaluation.id in exclude:
                    continue
                if len(self._active) >= self._max_running or self._background.stopping:
                    break
            queued = evaluation.status is EvaluationStatus.QUEUED
            if queued and running[evaluation.created_by] >= self._per_user:
                continue
            name = f"evaluation:{evaluation.id}"
            if not self._try_lease(name, self.owner, self._lease, self._clock()):
                continue
            thread = threading.Thread(
                target=self._run, args=(evaluation.id, name), name=f"evaluation-{evaluation.id}", daemon=True
            )
            with self._lock:
                self._active[evaluation.id] = thread
            thread.start()
            running[evaluation.created_by] += queued
            started.append(evaluation.id)
        return started

    def _run(self, evaluation_id: str, name: str) -> None:
        renewed = [time.monotonic()]

        def keep_going() -> bool:
            if self._background.stopping:
                return False
            if time.monotonic() - renewed[0] < self._lease / 3:
                return True
            renewed[0] = time.monotonic()
            return self._try_lease(name, self.owner, self._lease, self._clock())

        try:
            done = self._evaluations.run(evaluation_id, keep_going)
            with self._lock:
                self._finished.append(done)
        except Exception:  # the database went away, say: the lease expires and a later round resumes it
            log.exception("evaluation %s: the run stopped", evaluation_id)
        finally:
            with self._lock:
                self._active.pop(evaluation_id, None)

    def run_once(self) -> list[Evaluation]:
        """Run every open evaluation this process can take, under the same limits, until none is left
        that it may start; what each became (the command line and tests use this)."""
        seen: set[str] = set()
        while True:
            seen.update(self.start_due(frozenset(seen)))
            with self._lock:
                threads = list(self._active.values())
            if not threads:
                break
            for thread in threads:
                thread.join()
        with self._lock:
            finished, self._finished = self._finished, []
        return finished

    def start(self) -> None:
        self._background.start()

    def stop(self) -> None:
        self._background.stop()
