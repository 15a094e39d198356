"""No kind of request stalls another: REST reads during a burst of slow model calls.

One Model Studio process (`streamlit run server.py`, local mode) in front of a local OpenAI-compatible
model server (tests/support/openai_server.py) that takes --delay seconds (8 by default) to answer. Readers
GET /api/custom-models, /api/idle and /api/notices in turn:
  at rest          nothing else going on (the baseline, in the same run)
  during a burst   while --burst (60) model calls (/api/models/{id}/invoke) wait on the slow model
Target: a read's p99 during the burst within 2x its p99 at rest. Also printed: what the burst's
calls got (answered, or 429 with Retry-After once every place of the model-call pool is taken).
Prints figures; asserts nothing.

Run: make bench-burst   (or .venv/bin/python bench/burst.py [--delay 8] [--burst 60] [--quick])
"""

from __future__ import annotations

import argparse
import concurrent.futures as futures
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.openai_server import openai_server  # noqa: E402 - the same server the tests use
from tests.support.servers import running_server  # noqa: E402

MODEL = "bedrock:meta.llama3-1-8b-instruct-v1:0:128k"
READS = ("/api/custom-models", "/api/idle", "/api/notices")
TARGET_RATIO = 2.0


def reads(url: str, seconds: float, readers: int) -> list[float]:
    """Every read's milliseconds, ``readers`` at a time, for ``seconds``."""
    until = time.monotonic() + seconds

    def reader() -> list[float]:
        took = []
        with httpx.Client(base_url=url, timeout=120) as client:
            while time.monotonic() < until:
                for path in READS:
                    start = time.perf_counter()
                    if client.get(path).status_code != 200:
                        raise SystemExit(f"{path} failed")
                    took.append((time.perf_counter() - start) * 1000)
        return took

    with futures.ThreadPoolExecutor(readers) as pool:
        return [t for found in pool.map(lambda _: reader(), range(readers)) for t in found]


def p(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100)[q - 1] if len(values) > 1 else values[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--delay", type=float, default=8.0, help="seconds the model takes to answer")
    parser.add_argument("--burst", type=int, default=60, help="model calls at once")
    parser.add_argument("--readers", type=int, default=4, help="readers at once")
    parser.add_argument("--quick", action="store_true", help="a 1 s model and 10 calls: shows the bench works")
    args = parser.parse_args()
    delay, burst = (1.0, 10) if args.quick else (args.delay, args.burst)
    with tempfile.TemporaryDirectory() as tmp, openai_server(delay) as model:
        env = {"STUDIO_DATA_DIR": str(Path(tmp) / "data"), "STUDIO_LOCAL_INFERENCE_URL": model.url}
        with running_server(Path(tmp) / "server.log", env) as url:
            if httpx.post(f"{url}/api/models/{MODEL}/enable", timeout=60).status_code != 200:
                raise SystemExit("could not enable the model")
            reads(url, 2.0, args.readers)  # warm up: imports, connections, the first queries
            rest = reads(url, max(2.0, delay - 1), args.readers)
            ask = {"Messages": [{"Role": "user", "Content": "Hello?"}], "MaxTokens": 16}
            with futures.ThreadPoolExecutor(burst) as pool:
                calls = [
                    pool.submit(httpx.post, f"{url}/api/models/{MODEL}/invoke", json=ask, timeout=delay * 4 + 30)
                    for _ in range(burst)
                ]
                time.sleep(min(0.5, delay / 4))  # the burst is in
                during = reads(url, max(1.0, delay - 1.5), args.readers)
                answers = [c.result() for c in calls]
    codes = [a.status_code for a in answers]
    print(f"{burst} model calls at once, the model answering in {delay:g} s; {args.readers} readers of {READS}\n")
    print(f"{'reads':<18}{'count':>7}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}")
    for name, found in (("at rest", rest), ("during the burst", during)):
        print(f"{name:<18}{len(found):>7}{p(found, 50):>9.1f}{p(found, 99):>9.1f}{max(found):>9.1f}")
    ratio = p(during, 99) / p(rest, 99)
    verdict = "met" if ratio <= TARGET_RATIO else "MISSED"
    print(f"\np99 during the burst / at rest: {ratio:.2f}x (target <= {TARGET_RATIO:g}x: {verdict})")
    print(f"the burst's calls: {codes.count(200)} answered, {codes.count(429)} told to retry (429)", end="")
    others = len(codes) - codes.count(200) - codes.count(429)
    print(f", {others} other" if others else "")


if __name__ == "__main__":
    main()
