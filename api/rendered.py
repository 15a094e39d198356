"""The busiest reads answered from memory: the JSON of GET /api/models (per query) and GET /api/custom-models,
rendered once per catalog revision and given as the same bytes to every reader until the revision moves. The
revision is read once per request with the other generations (api/deps.py), so a change made by any process is
in the next answer.

A list is joined from each item's own JSON, kept while the item is the very same (immutable) object: a write
to one model moves the revision, and the next answer renders that one model again, not the whole catalog."""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Iterable
from typing import Any

from fastapi.responses import Response
from pydantic import BaseModel

MAX_KEPT = 512  # answers kept per revision (GET /api/models has one per query string)
MAX_PIECES = 20_000  # items' JSON kept across revisions (forgotten whole beyond: items of models long gone)


class Rendered:
    def __init__(self) -> None:
        self._kept: tuple[int, dict[Hashable, bytes]] = (-1, {})
        self._pieces: dict[Hashable, tuple[object, bytes]] = {}
        self._lock = threading.Lock()

    def json(self, revision: int, key: Hashable, render: Callable[[], BaseModel]) -> Response:
        """The answer for ``key`` at ``revision``: kept, or rendered (from data at least as new) and kept."""
        return self._answer(revision, key, lambda: render().model_dump_json().encode())

    def listing(
        self,
        revision: int,
        key: Hashable,
        field: str,
        items: Callable[[], Iterable[tuple[Hashable, object]]],
        out: Callable[[Any], BaseModel],
    ) -> Response:
        """The answer ``{field: [out(item), ...]}`` for ``key`` at ``revision``, from ``items()``: pairs of an
        item's identity and the item. An item's JSON is rendered again only when its object is a new one."""

        def render() -> bytes:
            pieces = self._pieces
            parts = []
            for ident, item in items():
                piece = pieces.get(ident)
                if piece is None or piece[0] is not item:
                    piece = (item, out(item).model_dump_json().encode())
                    if len(pieces) >= MAX_PIECES:
                        pieces.clear()
                    pieces[ident] = piece
                parts.append(piece[1])
            return b'{"' + field.encode() + b'":[' + b",".join(parts) + b"]}"

        return self._answer(revision, key, render)

    def _answer(self, revision: int, key: Hashable, render: Callable[[], bytes]) -> Response:
        at, kept = self._kept
        body = kept.get(key) if at == revision else None
        if body is None:
            body = render()
            with self._lock:
                if self._kept[0] < revision:  # the first answer of a newer revision: the older ones are gone
                    self._kept = (revision, {})
                at, kept = self._kept
                if at == revision and len(kept) < MAX_KEPT:  # never kept under a revision it was not rendered at
                    kept[key] = body
        return Response(body, media_type="application/json")
