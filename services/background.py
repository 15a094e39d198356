"""A round of work repeated in a daemon thread until stopped (the reconciler, the evaluation runner,
the notice dispatcher): a failed round is logged and the next one tries again."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)


class Background:
    def __init__(self, name: str, interval_seconds: float, round_: Callable[[], object]) -> None:
        self._name = name
        self._interval = interval_seconds
        self._round = round_
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name=self._name, daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self._round()
            except Exception:  # keep the loop alive; the next round tries again
                log.exception("%s: round failed", self._name)
            self._stop.wait(self._interval)
