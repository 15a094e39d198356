"""`make run`: one command for the UI and the API's own workers.

Starts Streamlit's server (the UI, and the API under its /api) on PORT and, unless STUDIO_API_WORKERS is 0,
the REST API's worker processes (api_server.py) on STUDIO_API_PORT (default: PORT + 1). Ctrl-C, or SIGTERM,
stops both; if either stops by itself, the other is stopped too and the exit code is passed on.

Run: python -m webserver.launch --address 127.0.0.1 --port 8501
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def commands(address: str, port: int, api_port: int, workers: int) -> list[list[str]]:
    """What runs: Streamlit's server, then the API's workers when there are any."""
    ui = [sys.executable, "-m", "streamlit", "run", "server.py", "--server.port", str(port),
          "--server.address", address]  # fmt: skip
    if workers <= 0:
        return [ui]
    api = [sys.executable, "api_server.py", "--address", address, "--port", str(api_port), "--workers", str(workers)]
    return [ui, api]


def main(argv: list[str] | None = None) -> int:
    from services.settings import load_settings

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--address", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8501)
    args = parser.parse_args(argv)
    settings = load_settings()
    api_port = settings.api_port or args.port + 1
    started = [subprocess.Popen(c, cwd=ROOT) for c in commands(args.address, args.port, api_port, settings.api_workers)]
    if settings.api_workers > 0:
        print(f"Model Studio: the UI at http://{args.address}:{args.port}, the API's {settings.api_workers} "
              f"worker(s) at http://{args.address}:{api_port}/api", flush=True)  # fmt: skip

    def stop(*_: object) -> None:
        for proc in started:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        while all(proc.poll() is None for proc in started):
            time.sleep(0.2)
    finally:
        stop()
        for proc in started:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
    return next((proc.returncode for proc in started if proc.returncode), 0)


if __name__ == "__main__":
    os.chdir(ROOT)
    raise SystemExit(main())
