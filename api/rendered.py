"""The busiest reads answered from memory: the JSON of GET /api/models (per query) and GET /api/custom-models,
rendered once per catalog revision and given as the same bytes to every reader until the revision moves. The
revision is read once per request with the other generations (api/deps.py), so a change made by any process is
in the next answer."""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable

from fastapi.responses import Response
from pydantic import BaseModel

MAX_KEPT = 512  # answers kept per revision (GET /api/models has one per query string)


class Rendered:
    def __init__(self) -> None:
        self._kept: tuple[int, dict[Hashable, bytes]] = (-1, {})
        self._lock = threading.Lock()

    def json(self, revision: int, key: Hashable, render: Callable[[], BaseModel]) -> Response:
        """The answer for ``key`` at ``revision``: kept, or rendered (from data at least as new) and kept."""
        at, kept = self._kept
        body = kept.get(key) if at == revision else None
        if body is None:
            body = render().model_dump_json().encode()
            with self._lock:
                if self._kept[0] < revision:  # the first answer of a newer revision: the older ones are gone
                    self._kept = (revision, {})
                at, kept = self._kept
                if at == revision and len(kept) < MAX_KEPT:  # never kept under a revision it was not rendered at
                    kept[key] = body
        return Response(body, media_type="application/json")
