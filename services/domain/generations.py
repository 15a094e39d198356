"""What a process keeps in memory of the shared database, and how it knows, at once, when to read it again.

Every area the gateway reads on each call has a generation in the database, moved on in the same
transaction as every write to the area (by any process or replica): the catalog's revision (models and
custom models), the API tokens, the prices, the endpoints. A call reads every generation in one query,
then takes what it needs from memory if nothing moved since it was read, and reads the area again if it
did. So a model disabled, or a token revoked, through one replica is refused by another on its very next
call, without the five or six queries a call used to make.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Generic, TypeVar

T = TypeVar("T")

CATALOG = "revision"  # the catalog's revision: every write to a model or a custom model moves it
TOKENS = "tokens"
PRICES = "prices"
ENDPOINTS = "endpoints"
AREAS = (CATALOG, TOKENS, PRICES, ENDPOINTS)

Generations = Mapping[str, int]


class Kept(Generic[T]):
    """A value read from the database, kept until its area's generation moves past the one it was read at.

    ``at(generation)`` gives the kept value when it was loaded at that generation or a later one (loaded
    after the generation was read, it is never older than it), and loads it again otherwise, once, however
    many threads ask at the same time. With ``refresh``, a value kept at an older generation is brought up to
    date from it (``refresh(value, its generation)``: what changed since) instead of being read whole again."""

    def __init__(self, load: Callable[[], T], refresh: Callable[[T, int], T] | None = None) -> None:
        self._load = load
        self._refresh = refresh
        self._kept: tuple[int, T] | None = None
        self._lock = threading.Lock()

    def at(self, generation: int) -> T:
        kept = self._kept
        if kept is not None and kept[0] >= generation:
            return kept[1]
        with self._lock:
            kept = self._kept
            if kept is None or kept[0] < generation:
                value = self._load() if kept is None or self._refresh is None else self._refresh(kept[1], kept[0])
                kept = (generation, value)
                self._kept = kept
        return kept[1]

    def forget(self) -> None:
        self._kept = None
