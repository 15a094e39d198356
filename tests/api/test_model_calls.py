"""Model calls on a pool of their own (api/model_calls.py): a stream is checked on the event loop, so its first
byte waits for no thread; its pieces are read on the pool; its place is given back however it ends."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable, Iterator

import pytest

from api.model_calls import OPENED, ModelCalls, TooManyCalls

LIMIT = 5.0


def _pieces(where: list[str], *items: str, fail: Exception | None = None) -> Iterator[str]:
    where.append(threading.current_thread().name)
    yield from items
    if fail is not None:
        raise fail


async def _drain(pieces: object) -> list[object]:
    return [p async for p in pieces]  # type: ignore[attr-defined]


def _run(scenario: Callable[[ModelCalls], Awaitable[None]], concurrency: int = 1) -> None:
    """``scenario`` on a pool of ``concurrency`` places and none queued, shut down however it ends."""
    calls = ModelCalls(concurrency, 0)
    try:
        asyncio.run(scenario(calls))
    finally:
        calls.shutdown()


async def _until_given_back(calls: ModelCalls) -> None:
    async def wait() -> None:
        while calls.taken:
            await asyncio.sleep(0.001)

    await asyncio.wait_for(wait(), LIMIT)


def test_a_stream_is_opened_on_the_loop_and_read_on_the_pool() -> None:
    async def scenario(calls: ModelCalls) -> None:
        where: list[str] = []
        opened_on: list[str] = []

        def open_() -> Iterator[str]:
            opened_on.append(threading.current_thread().name)
            return _pieces(where, "a", "b")

        stream = calls.stream(open_)
        assert await asyncio.wait_for(anext(stream), LIMIT) is OPENED
        assert opened_on == [threading.current_thread().name] and where == []  # no thread was asked yet
        assert await asyncio.wait_for(_drain(stream), LIMIT) == ["a", "b"]
        assert where[0].startswith("model-call")
        await _until_given_back(calls)

    _run(scenario, concurrency=2)


def test_a_refusal_is_raised_before_the_first_byte_and_the_place_given_back() -> None:
    async def scenario(calls: ModelCalls) -> None:

        def refused() -> Iterator[str]:
            raise PermissionError("not enabled")

        with pytest.raises(PermissionError):
            await anext(calls.stream(refused))
        assert calls.taken == 0

    _run(scenario)


def test_every_place_taken_is_told_at_once() -> None:
    async def scenario(calls: ModelCalls) -> None:
        where: list[str] = []
        first = calls.stream(lambda: _pieces(where, "a"))
        assert await anext(first) is OPENED
        with pytest.raises(TooManyCalls):
            await anext(calls.stream(lambda: _pieces(where, "b")))
        await first.aclose()  # its reader went away after the first byte
        assert calls.taken == 0

    _run(scenario)


def test_an_error_mid_stream_reaches_the_reader_and_the_place_is_given_back() -> None:
    async def scenario(calls: ModelCalls) -> None:
        where: list[str] = []
        stream = calls.stream(lambda: _pieces(where, "a", fail=ConnectionError("broke off")))
        assert await anext(stream) is OPENED
        assert await anext(stream) == "a"
        with pytest.raises(ConnectionError):
            await asyncio.wait_for(anext(stream), LIMIT)
        await _until_given_back(calls)

    _run(scenario)


def test_a_reader_gone_mid_stream_stops_the_pump_and_gives_the_place_back() -> None:
    async def scenario(calls: ModelCalls) -> None:
        where: list[str] = []
        stream = calls.stream(lambda: _pieces(where, *("x" for _ in range(10_000))))
        assert await anext(stream) is OPENED
        assert await anext(stream) == "x"
        await stream.aclose()
        await _until_given_back(calls)

    _run(scenario)
