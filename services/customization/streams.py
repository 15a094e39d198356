"""The streams a submission's data goes through on its way to the object store: one that keeps the
submission's record fresh while the data uploads (so the reconciler and identical retries leave a
live submission alone), and one that hashes what goes by."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from typing import BinaryIO

from services.domain.custom import CustomModel
from services.domain.errors import ConcurrentUpdate
from services.ports import CustomModelStore


class SubmissionLost(Exception):
    """Another process took the submission over (its record changed under this one)."""


class Heartbeat:
    """Touches a submission's record at most every ``every_seconds`` while its data is read."""

    def __init__(
        self, store: CustomModelStore, clock: Callable[[], datetime], every_seconds: float, model: CustomModel
    ) -> None:
        self._store = store
        self._clock = clock
        self._every = every_seconds
        self.model = model
        self.lost = False
        self._last = clock()
        self._lock = threading.Lock()

    def beat(self, *, force: bool = False) -> None:
        with self._lock:
            if self.lost:
                raise SubmissionLost
            now = self._clock()
            if not force and (now - self._last).total_seconds() < self._every:
                return
            try:
                self.model = self._store.update_custom(self.model.id, self.model.version, {"updated_at": now})
            except ConcurrentUpdate:
                self.lost = True
                raise SubmissionLost from None
            self._last = now

    def reader(self, stream: BinaryIO) -> BinaryIO:
        return BeatingReader(stream, self)  # type: ignore[return-value]


class BeatingReader:
    def __init__(self, stream: BinaryIO, heart: Heartbeat) -> None:
        self._stream = stream
        self._heart = heart

    def read(self, n: int = -1) -> bytes:
        self._heart.beat()
        return self._stream.read(n)

    def __getattr__(self, name: str) -> object:
        return getattr(self._stream, name)
