"""Invoke overhead: what calling a model through Model Studio adds over calling the model directly.

A local OpenAI-compatible model server (tests/support/openai_server.py: it answers at once) and one Model Studio
process (`streamlit run server.py`, local mode, STUDIO_LOCAL_INFERENCE_URL pointing at that server);
the same chat is sent, one at a time:
  direct          POST {model}/chat/completions                   (the floor)
  invoke          POST /api/models/{id}/invoke                    (the rule, then the call)
  openai-compat   POST /api/v1/chat/completions
  health          GET /_stcore/health: Streamlit's own server answering nothing, the serving floor
each once over kept-alive connections and once with a new connection per call: Streamlit's server
(uvicorn inside `streamlit run`) answers a kept-alive connection ~40 ms late even for its own health
check (a bare st.App does the same; plain uvicorn does not), so both are shown.
Target: under 10 ms added at p50. Prints figures; asserts nothing.

Run: make bench-invoke   (or .venv/bin/python bench/invoke.py [--calls 500] [--quick])
"""

from __future__ import annotations

import argparse
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

TARGET_MS = 10.0
MODEL = "bedrock:amazon.titan-text-lite-v1:0:4k"
QUESTION = "What is the capital of France?"


def timed(client: httpx.Client, url: str, body: dict[str, object] | None, calls: int) -> list[float]:
    took = []
    for _ in range(calls):
        start = time.perf_counter()
        answer = client.get(url) if body is None else client.post(url, json=body)
        took.append((time.perf_counter() - start) * 1000)
        if answer.status_code != 200:
            raise SystemExit(f"{url}: {answer.status_code} {answer.text[:300]}")
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=500, help="calls per route")
    parser.add_argument("--quick", action="store_true", help="20 calls: only shows the benchmark works")
    args = parser.parse_args()
    calls = 20 if args.quick else args.calls
    chat = {"messages": [{"role": "user", "content": QUESTION}], "max_tokens": 64}
    with tempfile.TemporaryDirectory() as tmp, openai_server() as model:
        env = {"STUDIO_DATA_DIR": str(Path(tmp) / "data"), "STUDIO_LOCAL_INFERENCE_URL": model.url}
        with running_server(Path(tmp) / "server.log", env) as url, httpx.Client(timeout=30) as admin:
            if admin.post(f"{url}/api/models/{MODEL}/enable").status_code != 200:
                raise SystemExit("could not enable the model")
            routes = {
                "direct": (f"{model.url}/chat/completions", chat | {"model": "local"}),
                "invoke": (
                    f"{url}/api/models/{MODEL}/invoke",
                    {"Messages": [{"Role": "user", "Content": QUESTION}], "MaxTokens": 64},
                ),
                "openai-compat": (f"{url}/api/v1/chat/completions", chat | {"model": MODEL}),
                "health": (f"{url}/_stcore/health", None),
            }
            results = {}
            for connections, limits in (
                ("kept alive", httpx.Limits()),
                ("new per call", httpx.Limits(max_keepalive_connections=0)),
            ):
                with httpx.Client(timeout=30, limits=limits) as client:
                    for route, body in routes.values():  # warm up: connections, imports, first queries
                        timed(client, route, body, 5)
                    for name, (route, body) in routes.items():
                        results[(connections, name)] = timed(client, route, body, calls)
    print(f"{'connections':14s} {'route':16s} {'p50 ms':>8s} {'p90 ms':>8s} {'added p50':>10s}  ({calls} calls each)")
    for (connections, name), took in results.items():
        p50 = statistics.median(took)
        p90 = statistics.quantiles(took, n=10)[-1]
        added = p50 - statistics.median(results[(connections, "direct")])
        verdict = ""
        if name in ("invoke", "openai-compat"):
            verdict = f"target < {TARGET_MS:.0f} ms added: {'ok' if added < TARGET_MS else 'MISSES'}"
        print(f"{connections:14s} {name:16s} {p50:8.2f} {p90:8.2f} {added:10.2f}  {verdict}")


if __name__ == "__main__":
    main()
