"""The gateway's speed, side by side with what a team would run instead, in one run on loopback.

In front of one instant OpenAI-compatible model (bench/gateway_servers.py upstream), each in a process
of its own, authentication on:
  upstream        the model alone: what the load generator and loopback can do (the ceiling)
  floor           bare Starlette on uvicorn, a token check, the body forwarded with one pooled httpx
                  client (bench/gateway_servers.py floor): the same Python stack with nothing in the way
  litellm         LiteLLM's proxy (master key, no database, logging off), installed in a throwaway
                  virtualenv under ~/.cache/model-studio/bench; skipped, with the reason, when it cannot be
  studio          Model Studio as `make run` serves it: POST /api/v1/chat/completions with an API token
                  on the API's own workers (STUDIO_API_WORKERS, 1 and 2)
  studio-ui-port  the same route on Streamlit's server (the UI's port), which serves /api too
Plain chat and streaming (time to the first event), at 8, 32 and 128 connections (bench/loadgen.py).
Prints req/s, p50 and p99, each beside the floor's and LiteLLM's from the same run, and the targets:
at 32 connections Model Studio >= 0.8x the floor's req/s with p99 <= 1.5x the floor's, >= 2x LiteLLM's,
and its time to the first event < 5 ms more than the floor's at p50. Asserts nothing.

Run: make bench-gateway   (or .venv/bin/python bench/gateway.py [--seconds 5] [--connections 8,32,128]
     [--only floor,studio] [--quick])
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))

from tests.support.servers import free_port, running_server  # noqa: E402

MODEL = "bedrock:amazon.titan-text-lite-v1:0:4k"
LITELLM = "1.108.0"  # 1.108.x is the newest whose [proxy] extra resolves on PyPI's mirror here
LITELLM_KEY = "sk-bench-master-key"
FLOOR_TOKEN = "ms-bench-floor-token"
CACHE = Path.home() / ".cache" / "model-studio" / "bench"
QUESTION = [{"role": "user", "content": "What is the capital of France?"}]


def wait_port(port: int, proc: subprocess.Popen[bytes], log: Path, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"a server stopped: {log.read_text(errors='replace')[-2000:]}")
        try:
            httpx.get(f"http://127.0.0.1:{port}/", timeout=2)
            return
        except httpx.TransportError:
            time.sleep(0.2)
    raise SystemExit(f"nothing answered on port {port} in {seconds:.0f} s")


def wait_api(url: str, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"the API's workers did not answer at {url} in {seconds:.0f} s")


@contextmanager
def process(command: list[str], log: Path, port: int, env: dict[str, str] | None = None) -> Iterator[None]:
    with log.open("wb") as out:
        proc = subprocess.Popen(command, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, env=env)
        try:
            wait_port(port, proc, log)
            yield
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()


def litellm_binary() -> tuple[Path | None, str]:
    """LiteLLM's proxy in a virtualenv of its own (made once, kept in the cache), or why not."""
    venv = CACHE / f"litellm-{LITELLM}"
    binary = venv / "bin" / "litellm"
    if binary.exists():
        return binary, ""
    try:
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True, timeout=120)
        subprocess.run(
            [str(venv / "bin" / "pip"), "install", "-q", f"litellm[proxy]=={LITELLM}"],
            check=True, capture_output=True, timeout=900,
        )  # fmt: skip
    except (subprocess.SubprocessError, OSError) as exc:
        detail = getattr(exc, "stderr", b"") or b""
        return None, f"could not install litellm[proxy]=={LITELLM}: {detail.decode(errors='replace')[-300:] or exc}"
    return (binary, "") if binary.exists() else (None, "the litellm command was not installed")


def loadgen(url: str, body: dict[str, object], token: str, connections: int, seconds: float) -> dict[str, float]:
    found = subprocess.run(
        [sys.executable, str(BENCH / "loadgen.py"), "--url", url, "--body", json.dumps(body),
         "--header", f"Authorization: Bearer {token}", "--connections", str(connections), "--seconds", str(seconds)],
        capture_output=True, text=True, timeout=seconds * 4 + 120,
    )  # fmt: skip
    if found.returncode != 0:
        raise SystemExit(f"{url}: the load generator failed: {found.stderr[-1000:]}")
    return json.loads(found.stdout)  # type: ignore[no-any-return]


def studio_env(data: Path, upstream: str, workers: int) -> dict[str, str]:
    return {
        "STUDIO_DATA_DIR": str(data),
        "STUDIO_LOCAL_INFERENCE_URL": upstream,
        "STUDIO_API_WORKERS": str(workers),
        "STUDIO_MODEL_CALL_QUEUE": "1000",  # the bench's 128 connections are callers waiting, not turned away
    }


def start_servers(stack: ExitStack, tmp: Path, only: set[str], workers: list[int]) -> tuple[dict[str, str], str]:
    """Every server, each on its port: name -> its chat completions URL; and a note on what was skipped."""
    urls: dict[str, str] = {}
    port = free_port()
    stack.enter_context(process([sys.executable, str(BENCH / "gateway_servers.py"), "upstream", "--port", str(port)],
                                tmp / "upstream.log", port))  # fmt: skip
    upstream = f"http://127.0.0.1:{port}/v1"
    urls["upstream"] = f"{upstream}/chat/completions"
    note = ""
    if "floor" in only:
        port = free_port()
        command = [sys.executable, str(BENCH / "gateway_servers.py"), "floor", "--port", str(port),
                   "--upstream", upstream, "--token", FLOOR_TOKEN]  # fmt: skip
        stack.enter_context(process(command, tmp / "floor.log", port))
        urls["floor"] = f"http://127.0.0.1:{port}/v1/chat/completions"
    if "litellm" in only:
        binary, note = litellm_binary()
        if binary is not None:
            config = tmp / "litellm.yaml"
            config.write_text(
                "model_list:\n  - model_name: bench\n    litellm_params:\n"
                f"      model: openai/bench\n      api_base: {upstream}\n      api_key: none\n"
                f"general_settings:\n  master_key: {LITELLM_KEY}\n"
                "litellm_settings:\n  turn_off_message_logging: true\n  set_verbose: false\n"
            )
            port = free_port()
            env = os.environ | {"LITELLM_LOG": "ERROR", "LITELLM_TELEMETRY": "False", "DISABLE_ADMIN_UI": "True"}
            command = [str(binary), "--config", str(config), "--port", str(port), "--host", "127.0.0.1"]
            stack.enter_context(process(command, tmp / "litellm.log", port, env))
            urls["litellm"] = f"http://127.0.0.1:{port}/v1/chat/completions"
    if "studio" in only or "studio-ui-port" in only:
        for count in workers if "studio" in only else [0]:
            ui_port, api_port = free_port(), free_port()
            env = studio_env(tmp / f"data-{count}", upstream, count) | {"STUDIO_API_PORT": str(api_port)}
            launch = [sys.executable, "-m", "webserver.launch", "--address", "127.0.0.1", "--port", str(ui_port)]
            ui = stack.enter_context(running_server(tmp / f"studio-{count}.log", env, launch, ui_port))
            if count > 0:
                wait_api(f"http://127.0.0.1:{api_port}/api/openapi.json")
                urls[f"studio, {count} worker{'s' if count > 1 else ''}"] = (
                    f"http://127.0.0.1:{api_port}/api/v1/chat/completions"
                )
            if "studio-ui-port" in only and count == (workers[0] if "studio" in only else 0):
                urls["studio on the UI's port"] = f"{ui}/api/v1/chat/completions"
    return urls, note


def prepare_studio(urls: dict[str, str]) -> dict[str, str]:
    """For each Model Studio: the model enabled, and a member's API token (invoke only), made over REST."""
    tokens = {}
    for name, url in urls.items():
        if not name.startswith("studio"):
            continue
        api = url.removesuffix("/v1/chat/completions")
        deadline = time.monotonic() + 120  # a new server fills its catalog in the background: wait for the model
        while (enabled := httpx.post(f"{api}/models/{MODEL}/enable", timeout=60)).status_code == 404:
            if time.monotonic() > deadline:
                break
            time.sleep(0.5)
        if enabled.status_code != 200 and "already" not in enabled.text:  # the UI's port shares a database
            raise SystemExit(f"{name}: could not enable {MODEL}: {enabled.text[:300]}")
        made = httpx.post(
            f"{api}/tokens",
            json={"Name": "bench", "Scopes": ["invoke"], "UserId": "bench@example.com", "Role": "member"},
            timeout=60,
        )
        if made.status_code != 201:
            raise SystemExit(f"{name}: could not make a token: {made.text[:300]}")
        tokens[name] = made.json()["Token"]
    return tokens


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=5.0, help="per server, kind and number of connections")
    parser.add_argument("--connections", default="8,32,128")
    parser.add_argument("--workers", default="1,2", help="Model Studio's API workers to measure")
    parser.add_argument("--only", default="floor,litellm,studio,studio-ui-port")
    parser.add_argument("--quick", action="store_true", help="1 s at 8 connections, no LiteLLM: shows it works")
    args = parser.parse_args()
    only = set(args.only.split(","))
    connections = [int(c) for c in args.connections.split(",")]
    seconds = args.seconds
    if args.quick:
        only.discard("litellm")
        connections, seconds = [8], 1.0
    workers = [1] if args.quick else [int(w) for w in args.workers.split(",")]
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        urls, note = start_servers(stack, Path(tmp), only, workers)
        tokens = prepare_studio(urls) | {"floor": FLOOR_TOKEN, "litellm": LITELLM_KEY, "upstream": "none"}
        results: dict[tuple[str, int, str], dict[str, float]] = {}
        for count in connections:
            for kind in ("plain", "stream"):
                for name, url in urls.items():
                    model = "bench" if name == "litellm" else MODEL
                    body: dict[str, object] = {"model": model, "messages": QUESTION, "max_tokens": 64}
                    if kind == "stream":
                        body["stream"] = True
                    results[(name, count, kind)] = loadgen(url, body, tokens[name], count, seconds)
    report(results, urls, connections, note, seconds)


def report(
    results: dict[tuple[str, int, str], dict[str, float]],
    urls: dict[str, str],
    connections: list[int],
    note: str,
    seconds: float,
) -> None:
    cpus = os.cpu_count()
    print(f"Gateway on loopback, {cpus} CPUs, {seconds:g} s per cell, one instant upstream; ratios against the floor")
    if note:
        print(f"LiteLLM skipped: {note}")
    for kind in ("plain", "stream"):
        latency = "first event" if kind == "stream" else "answer"
        print(f"\n{kind} chat ({latency} latency for p50/p99 of the first event; whole answer otherwise)")
        print(f"{'server':<26}{'conns':>6}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'x floor':>9}{'p99 x fl':>9}"
              f"{'x litellm':>10}{'errors':>8}")  # fmt: skip
        for count in connections:
            floor = results.get(("floor", count, kind))
            lite = results.get(("litellm", count, kind))
            for name in urls:
                r = results[(name, count, kind)]
                p50, p99 = (r["first_p50"], r["first_p99"]) if kind == "stream" else (r["p50"], r["p99"])
                ratio = f"{r['rps'] / floor['rps']:.2f}" if floor else "-"
                fp99 = (floor["first_p99"] if kind == "stream" else floor["p99"]) if floor else None
                p99_ratio = f"{p99 / fp99:.2f}" if fp99 else "-"
                vs_lite = f"{r['rps'] / lite['rps']:.2f}" if lite else "-"
                print(f"{name:<26}{count:>6}{r['rps']:>9.0f}{p50:>9.1f}{p99:>9.1f}{ratio:>9}{p99_ratio:>9}"
                      f"{vs_lite:>10}{r['errors']:>8.0f}")  # fmt: skip
    verdicts(results, urls, connections)


def verdicts(
    results: dict[tuple[str, int, str], dict[str, float]], urls: dict[str, str], connections: list[int]
) -> None:
    at = 32 if 32 in connections else connections[0]
    floor = results.get(("floor", at, "plain"))
    floor_stream = results.get(("floor", at, "stream"))
    lite = results.get(("litellm", at, "plain"))
    print(f"\ntargets at {at} connections (plain chat unless said):")
    for name in urls:
        if not name.startswith("studio") or floor is None or floor_stream is None:
            continue
        r, s = results[(name, at, "plain")], results[(name, at, "stream")]
        checks = [
            (f"req/s {r['rps'] / floor['rps']:.2f}x the floor's (>= 0.8)", r["rps"] >= 0.8 * floor["rps"]),
            (f"p99 {r['p99'] / floor['p99']:.2f}x the floor's (<= 1.5)", r["p99"] <= 1.5 * floor["p99"]),
            (
                f"first event {s['first_p50'] - floor_stream['first_p50']:+.1f} ms at p50 (< 5 ms)",
                s["first_p50"] - floor_stream["first_p50"] < 5,
            ),
        ]
        if lite is not None:
            checks.append((f"req/s {r['rps'] / lite['rps']:.1f}x LiteLLM's (>= 2)", r["rps"] >= 2 * lite["rps"]))
        said = "; ".join(f"{text}: {'met' if ok else 'MISSED'}" for text, ok in checks)
        print(f"  {name}: {said}")


if __name__ == "__main__":
    main()
