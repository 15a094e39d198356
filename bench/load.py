"""Load test on loopback: N concurrent API clients for S seconds against `streamlit run server.py`
(local backend), mixing reads and writes. Prints requests/s, p50/p99 latency and errors. Bounded in
count and time; it stops by itself. Targets: zero errors, p99 < 250 ms for reads.

Run: make bench-load   (or .venv/bin/python bench/load.py [--clients 50] [--seconds 60])
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
MAX_REQUESTS = 1_000_000  # a hard bound whatever the duration


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(data: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("STUDIO_")} | {"STUDIO_DATA_DIR": str(data)}
    log = (data / "server.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "server.py", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}/api"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/models", timeout=2).status_code == 200:
                return proc, url
        except httpx.TransportError:
            time.sleep(0.3)
    raise SystemExit("the server did not start")


Samples = dict[str, list[tuple[float, int | str]]]


async def client(i: int, url: str, until: float, models: list[str], out: Samples, counter: list[int]) -> None:
    rng = random.Random(i)
    mine = models[i % len(models)]
    enabled = False
    async with httpx.AsyncClient(base_url=url, timeout=30) as http:
        while time.monotonic() < until and counter[0] < MAX_REQUESTS:
            roll = rng.random()
            if roll < 0.6:
                kind, call = (
                    "read: GET /models?search",
                    http.get("/models", params={"search": rng.choice(["llama", "titan", "gpt", "claude", ""])}),
                )
            elif roll < 0.8:
                kind, call = "read: GET /models/{status}", http.get("/models", params={"status": "GREEN"})
            elif roll < 0.9:
                kind, call = "read: GET /custom-models", http.get("/custom-models")
            else:
                kind = "write: POST enable/disable"
                call = http.post(f"/models/{mine}/{'disable' if enabled else 'enable'}")
                enabled = not enabled
            start = time.perf_counter()
            status: int | str
            try:
                response = await call
                status = response.status_code
            except httpx.HTTPError as exc:
                status = f"{type(exc).__name__}"
            out.setdefault(kind, []).append((time.perf_counter() - start, status))
            counter[0] += 1


async def run(url: str, clients: int, seconds: float) -> Samples:
    models = [m["Id"] for m in httpx.get(f"{url}/models", params={"status": "YELLOW"}, timeout=10).json()["Models"]]
    out: Samples = {}
    counter = [0]
    until = time.monotonic() + seconds
    await asyncio.gather(*(client(i, url, until, models, out, counter) for i in range(clients)))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--quick", action="store_true", help="5 clients for 3 s: only shows the benchmark works")
    args = parser.parse_args()
    if args.quick:
        args.clients, args.seconds = 5, 3.0
    with tempfile.TemporaryDirectory() as tmp:
        proc, url = start(Path(tmp))
        try:
            began = time.perf_counter()
            results = asyncio.run(run(url, args.clients, args.seconds))
            elapsed = time.perf_counter() - began
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=30)
    total = sum(len(v) for v in results.values())
    errors = sum(1 for v in results.values() for _, s in v if not isinstance(s, int) or s >= 500)
    refused = sum(1 for v in results.values() for _, s in v if isinstance(s, int) and 400 <= s < 500)
    print(f"Load: {args.clients} clients for {elapsed:.0f} s on loopback, local backend, one server process")
    print(f"{total:,} requests, {total / elapsed:,.0f} requests/s, {errors} errors (5xx or transport), {refused} 4xx")
    print(f"{'':30s} {'count':>8s} {'p50':>9s} {'p99':>9s} {'max':>9s}")
    reads = []
    for kind, rows in sorted(results.items()):
        times = sorted(t for t, _ in rows)
        if kind.startswith("read"):
            reads.extend(times)
        p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
        print(
            f"{kind:30s} {len(times):8,} {statistics.median(times) * 1000:7.1f}ms "
            f"{p99 * 1000:7.1f}ms {times[-1] * 1000:7.1f}ms"
        )
    reads.sort()
    p99 = reads[min(len(reads) - 1, int(len(reads) * 0.99))] if reads else 0.0
    print(
        f"targets: zero errors: {errors} {'ok' if errors == 0 else 'MISSES'}; "
        f"p99 < 250 ms for reads: {p99 * 1000:.0f} ms {'ok' if p99 < 0.25 else 'MISSES'}"
    )


if __name__ == "__main__":
    main()
