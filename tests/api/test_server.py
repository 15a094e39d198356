"""`streamlit run server.py` serves the UI at / and the API under /api from one process."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_one_server_answers_the_ui_and_the_api(tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("STUDIO_")} | {"STUDIO_DATA_DIR": str(tmp_path)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "server.py", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/api/openapi.json", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert proc.poll() is None, "the server exited"
            assert time.monotonic() < deadline, "the server did not start in 60 s"
            time.sleep(0.3)
        assert httpx.get(base + "/", timeout=10).status_code == 200
        assert '<div id="root">' in httpx.get(base + "/", timeout=10).text
        models = httpx.get(f"{base}/api/models", params={"search": "titan-text-lite"}, timeout=30).json()["Models"]
        assert {m["Id"] for m in models} >= {
            "bedrock:amazon.titan-text-lite-v1",
            "bedrock:amazon.titan-text-lite-v1:0:4k",
        }
        assert httpx.get(f"{base}/api/docs", timeout=10).status_code == 200
        missing = httpx.get(f"{base}/api/custom-models/custom:nope", timeout=10)
        assert missing.status_code == 404 and missing.json()["Code"] == "NotFound"
    finally:
        proc.terminate()
        proc.wait(timeout=20)
