"""Load test on loopback: N concurrent API clients for S seconds, mixing reads (GET /api/models with a search
or a status, GET /api/custom-models) and 10% writes (enable/disable), against, one after the other in one run:
  the static floor   bare Starlette on uvicorn serving the very JSON Model Studio answered to the same reads
  Model Studio       as `make run` starts it (local backend): its API workers (STUDIO_API_WORKERS), then the
                     UI's port, which serves /api too
Prints requests/s, p50/p99 latency and errors per kind. Bounded in count and time; it stops by itself.
Targets: zero errors; reads p99 <= 2x the static floor's.

Run: make bench-load   (or .venv/bin/python bench/load.py [--clients 50] [--seconds 30] [--workers 2]
     [--database-url postgresql+psycopg://...]: Model Studio on a schema of its own there, dropped after)
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
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import orjson

ROOT = Path(__file__).resolve().parents[1]
MAX_REQUESTS = 1_000_000  # a hard bound whatever the duration
SEARCHES = ("llama", "titan", "gpt", "claude", "")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait(url: str, proc: subprocess.Popen[bytes], seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"a server stopped before answering {url}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.3)
    raise SystemExit(f"nothing answered at {url}")


@contextmanager
def own_schema(url: str | None) -> Iterator[str | None]:
    """A new PostgreSQL schema on ``url`` for this run (its URL), dropped with everything in it after."""
    if not url:
        yield None
        return
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    schema, admin = f"bench_load_{uuid.uuid4().hex[:8]}", create_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield make_url(url).update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(False)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def start(data: Path, workers: int, database_url: str | None = None) -> tuple[subprocess.Popen[bytes], str, str]:
    """Model Studio as `make run` starts it: its UI's /api, and its API workers' /api."""
    ui_port, api_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("STUDIO_")} | {
        "STUDIO_DATA_DIR": str(data), "STUDIO_API_WORKERS": str(workers), "STUDIO_API_PORT": str(api_port)
    } | ({"STUDIO_DATABASE_URL": database_url} if database_url else {})  # fmt: skip
    log = (data.parent / "server.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "webserver.launch", "--address", "127.0.0.1", "--port", str(ui_port)],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    ui, api = f"http://127.0.0.1:{ui_port}/api", f"http://127.0.0.1:{api_port}/api"
    wait(f"{ui}/models", proc)
    if workers:
        wait(f"{api}/models", proc)
    return proc, ui, api


def static_floor(ui: str, folder: Path) -> tuple[subprocess.Popen[bytes], str]:
    """Bare Starlette serving the answers Model Studio gives to the same reads (bench/gateway_servers.py static)."""
    answers = {}
    for search in SEARCHES:
        answers[f"GET /models?search={search}"] = httpx.get(f"{ui}/models", params={"search": search}).text
    answers["GET /models?status=GREEN"] = httpx.get(f"{ui}/models", params={"status": "GREEN"}).text
    answers["GET /custom-models"] = httpx.get(f"{ui}/custom-models").text
    answers["POST"] = orjson.dumps(orjson.loads(answers["GET /models?search=llama"])["Models"][0]).decode()
    (folder / "answers.json").write_bytes(orjson.dumps(answers))
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "bench" / "gateway_servers.py"), "static", "--port", str(port),
         "--answers", str(folder / "answers.json")],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    wait(f"http://127.0.0.1:{port}/models?search=", proc)
    return proc, f"http://127.0.0.1:{port}"


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
                    http.get("/models", params={"search": rng.choice(SEARCHES)}),
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
        if enabled:  # left as found, so the next server's run starts from the same catalog (not counted)
            await http.post(f"/models/{mine}/disable")


async def run(url: str, clients: int, seconds: float, models: list[str]) -> Samples:
    out: Samples = {}
    counter = [0]
    until = time.monotonic() + seconds
    await asyncio.gather(*(client(i, url, until, models, out, counter) for i in range(clients)))
    return out


def p99(times: list[float]) -> float:
    return sorted(times)[min(len(times) - 1, int(len(times) * 0.99))] if times else 0.0


def report(name: str, results: Samples, elapsed: float, floor_p99: float | None) -> float:
    total = sum(len(v) for v in results.values())
    errors = sum(1 for v in results.values() for _, s in v if not isinstance(s, int) or s >= 500)
    refused = sum(1 for v in results.values() for _, s in v if isinstance(s, int) and 400 <= s < 500)
    print(f"\n{name}: {total:,} requests, {total / elapsed:,.0f} requests/s, {errors} errors (5xx or transport), "
          f"{refused} 4xx")  # fmt: skip
    print(f"{'':30s} {'count':>8s} {'p50':>9s} {'p99':>9s} {'max':>9s}")
    reads: list[float] = []
    for kind, rows in sorted(results.items()):
        times = sorted(t for t, _ in rows)
        if kind.startswith("read"):
            reads.extend(times)
        print(f"{kind:30s} {len(times):8,} {statistics.median(times) * 1000:7.1f}ms "
              f"{p99(times) * 1000:7.1f}ms {times[-1] * 1000:7.1f}ms")  # fmt: skip
    reads_p99 = p99(reads)
    said = f"reads p99 {reads_p99 * 1000:.0f} ms"
    if floor_p99:
        ratio = reads_p99 / floor_p99
        said += f", {ratio:.2f}x the static floor's (target <= 2x: {'met' if ratio <= 2 else 'MISSED'})"
    print(f"{said}; zero errors: {'met' if errors == 0 else 'MISSED'}")
    return reads_p99


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--workers", type=int, default=2, help="Model Studio's API workers (STUDIO_API_WORKERS)")
    parser.add_argument("--database-url", help="Model Studio on this PostgreSQL (a schema of its own), not SQLite")
    parser.add_argument("--quick", action="store_true", help="5 clients for 3 s: only shows the benchmark works")
    args = parser.parse_args()
    if args.quick:
        args.clients, args.seconds = 5, 3.0
    with tempfile.TemporaryDirectory() as tmp, own_schema(args.database_url) as database_url:
        (Path(tmp) / "data").mkdir()
        proc, ui, api = start(Path(tmp) / "data", args.workers, database_url)
        floor_proc, floor = static_floor(ui, Path(tmp))
        models = [m["Id"] for m in httpx.get(f"{ui}/models", params={"status": "YELLOW"}, timeout=10).json()["Models"]]
        targets = {"static floor (bare Starlette, the same JSON)": floor}
        if args.workers:
            targets[f"Model Studio, {args.workers} API worker(s)"] = api
        targets["Model Studio on the UI's port"] = ui
        print(f"Load: {args.clients} clients for {args.seconds:g} s each on loopback, local backend on "
              f"{'PostgreSQL' if database_url else 'SQLite'}, {os.cpu_count()} CPUs; reads and 10% enable/disable "
              "writes")  # fmt: skip
        floor_p99 = None
        try:
            for name, url in targets.items():
                began = time.perf_counter()
                results = asyncio.run(run(url, args.clients, args.seconds, models))
                found = report(name, results, time.perf_counter() - began, floor_p99)
                floor_p99 = floor_p99 or found
        finally:
            for running in (proc, floor_proc):
                os.killpg(running.pid, signal.SIGTERM)
                running.wait(timeout=30)


if __name__ == "__main__":
    main()
