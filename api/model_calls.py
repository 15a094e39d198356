"""Model calls on threads of their own, so that no kind of request can stall another.

A model may take seconds to answer. Run on the server's shared thread pool, sixty such calls would
take every thread, and a read of /api/custom-models would wait behind them. Here a call (and a
stream, for its whole length) runs on this pool instead: at most ``concurrency`` at once, up to
``queue`` more waiting for a place; beyond that the caller is told at once to come back
(429 with Retry-After), and the event loop and the shared pool stay free for everything else.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from services.domain.errors import ProviderThrottled

T = TypeVar("T")
RETRY_AFTER_SECONDS = 1
OPENED = object()  # the first item of a stream: opened (the rules allowed it), pieces follow


class TooManyCalls(ProviderThrottled):
    """Every place for a model call in this process is taken: come back after Retry-After."""

    code = "TooManyCalls"


class ModelCalls:
    def __init__(self, concurrency: int, queue: int) -> None:
        self._executor = ThreadPoolExecutor(concurrency, thread_name_prefix="model-call")
        self._places = concurrency + queue
        self._taken = 0
        self._lock = threading.Lock()

    @property
    def taken(self) -> int:
        return self._taken

    def _take(self) -> None:
        with self._lock:
            if self._taken >= self._places:
                raise TooManyCalls(
                    f"Model Studio is making {self._taken:,} model calls already (STUDIO_MODEL_CALL_CONCURRENCY "
                    f"and STUDIO_MODEL_CALL_QUEUE); try again in {RETRY_AFTER_SECONDS} s.",
                    RETRY_AFTER_SECONDS,
                )
            self._taken += 1

    def _give_back(self, *_: object) -> None:
        with self._lock:
            self._taken -= 1

    async def call(self, fn: Callable[..., T], *args: Any) -> T:
        """``fn(*args)`` on this pool; TooManyCalls at once when every place is taken."""
        self._take()
        try:
            return await asyncio.get_running_loop().run_in_executor(self._executor, fn, *args)
        finally:
            self._give_back()

    async def stream(self, open_: Callable[[], Iterator[T]]) -> AsyncIterator[T | object]:
        """``OPENED`` once ``open_()`` has returned (what it raises, a refusal say, is raised instead), then its
        pieces as they come. ``open_`` runs on the event loop and must only decide (from memory) whether the
        stream may be made: OPENED, and with it the first byte, is then sent with no thread to wait for. The
        pieces are read on one thread of this pool for the stream's whole length; the place is given back
        when the stream ends, fails, or its reader goes away."""
        self._take()
        try:
            iterator = open_()
            yield OPENED
        except BaseException:  # refused, or the reader went away before the first piece
            self._give_back()
            raise
        loop = asyncio.get_running_loop()
        pieces: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()
        gone = threading.Event()

        def put(kind: str, value: Any) -> None:
            loop.call_soon_threadsafe(pieces.put_nowait, (kind, value))

        def pump() -> None:
            try:
                try:
                    for piece in iterator:
                        if gone.is_set():
                            break
                        put("piece", piece)
                finally:
                    close = getattr(iterator, "close", None)
                    if close is not None:
                        close()
                put("end", None)
            except BaseException as exc:  # handed to the reader, raised there
                put("error", exc)

        try:
            running = loop.run_in_executor(self._executor, pump)
        except BaseException:
            self._give_back()
            raise
        running.add_done_callback(self._give_back)
        try:
            while True:
                kind, value = await pieces.get()
                if kind == "end":
                    return
                if kind == "error":
                    raise value
                yield value
        finally:
            gone.set()

    def shutdown(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
