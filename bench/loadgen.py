"""A small HTTP/1.1 load generator for the benchmarks: N kept-alive connections, each sending the same
request again as soon as the last answer is in, for S seconds. Per answer: the time to the whole answer
and the time to its first body bytes (for a stream, the first event). Raw sockets on asyncio (uvloop when
installed) so that the client costs little next to the servers it measures; run in a process of its own.

Run: .venv/bin/python bench/loadgen.py --url http://127.0.0.1:8502/api/v1/chat/completions \
         --body '{"model": ...}' --header 'Authorization: Bearer ...' --connections 32 --seconds 5
Prints one JSON object: requests, errors, seconds, and the latencies in ms (p50, p99) of the whole
answer and of its first bytes.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
import time
from urllib.parse import urlsplit


def request_bytes(url: str, body: bytes | None, headers: list[str]) -> tuple[str, int, bytes]:
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    lines = [f"{'POST' if body is not None else 'GET'} {path} HTTP/1.1", f"Host: {host}:{port}", *headers]
    if body is not None:
        lines += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
    return host, port, ("\r\n".join(lines) + "\r\n\r\n").encode() + (body or b"")


async def read_answer(reader: asyncio.StreamReader, began: float) -> tuple[int, float]:
    """The status, and the moment its first body bytes came; the whole answer read."""
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    lower = head.lower()
    first = time.perf_counter()
    if b"transfer-encoding: chunked" in lower:
        seen = False
        while True:
            size = int((await reader.readline()).split(b";")[0], 16)
            if not seen:
                first, seen = time.perf_counter(), True
            if size == 0:
                await reader.readline()
                return status, first - began
            await reader.readexactly(size + 2)
    at = lower.find(b"content-length:")
    if at < 0:
        raise ConnectionError("an answer with neither a length nor chunks")
    length = int(lower[at + 15 : lower.index(b"\r\n", at)])
    if length:
        await reader.readexactly(length)
    return status, first - began


async def connection(host: str, port: int, raw: bytes, until: float, out: dict[str, list[float]]) -> None:
    errors = out["errors"]
    while time.perf_counter() < until:
        try:
            reader, writer = await asyncio.open_connection(host, port, limit=1 << 22)
        except OSError:
            errors.append(1)
            await asyncio.sleep(0.05)
            continue
        writer.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            while time.perf_counter() < until:
                began = time.perf_counter()
                writer.write(raw)
                status, first = await read_answer(reader, began)
                took = time.perf_counter() - began
                if status != 200:
                    errors.append(status)
                    if status >= 500 or status == 429:
                        continue
                    raise SystemExit(f"answered {status}: the benchmark's request is wrong")
                out["total"].append(took)
                out["first"].append(first)
        except (OSError, asyncio.IncompleteReadError, ConnectionError, ValueError):
            errors.append(0)  # the connection broke: counted, and a new one opened
        finally:
            writer.close()


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))] * 1000


async def run(url: str, body: bytes | None, headers: list[str], connections: int, seconds: float) -> dict[str, object]:
    host, port, raw = request_bytes(url, body, headers)
    out: dict[str, list[float]] = {"total": [], "first": [], "errors": []}
    await asyncio.gather(*(connection(host, port, raw, time.perf_counter() + 0.5, out) for _ in range(connections)))
    out = {"total": [], "first": [], "errors": []}  # the first half second warmed up the connections
    began = time.perf_counter()
    await asyncio.gather(*(connection(host, port, raw, began + seconds, out) for _ in range(connections)))
    elapsed = time.perf_counter() - began
    return {
        "requests": len(out["total"]),
        "errors": len(out["errors"]),
        "seconds": elapsed,
        "rps": len(out["total"]) / elapsed,
        "p50": percentile(out["total"], 0.50),
        "p99": percentile(out["total"], 0.99),
        "first_p50": percentile(out["first"], 0.50),
        "first_p99": percentile(out["first"], 0.99),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", required=True)
    parser.add_argument("--body", help="a JSON body: the request is a POST (a GET without)")
    parser.add_argument("--header", action="append", default=[])
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    body = args.body.encode() if args.body is not None else None
    print(json.dumps(asyncio.run(run(args.url, body, args.header, args.connections, args.seconds))))


if __name__ == "__main__":
    main()
