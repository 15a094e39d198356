"""Starting a real Model Studio server for a test: a free loopback port, a log file (never a pipe: a
full pipe would freeze the server), waiting until the API answers, and stopping the process group."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[2]


class ServerURL(str):
    """The base URL of a running server, with the process id of the server (for its memory)."""

    pid: int


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def streamlit_command(port: int) -> list[str]:
    return [
        sys.executable, "-m", "streamlit", "run", "server.py", "--server.port", str(port),
        "--server.address", "127.0.0.1", "--server.headless", "true",
    ]  # fmt: skip


@contextmanager
def running_server(
    log: Path, env: Mapping[str, str], command: Sequence[str] | None = None, port: int | None = None
) -> Iterator[ServerURL]:
    """Run a server (``streamlit run server.py`` unless told otherwise) and yield its base URL once
    the API answers. ``env`` is added to the environment without the caller's STUDIO_ variables."""
    port = port or free_port()
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("STUDIO_")} | dict(env)
    with log.open("wb") as out:
        proc = subprocess.Popen(
            list(command or streamlit_command(port)),
            cwd=ROOT,
            env=full_env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        url = ServerURL(f"http://127.0.0.1:{port}")
        url.pid = proc.pid
        try:
            deadline = time.monotonic() + 120
            while True:
                try:
                    if httpx.get(f"{url}/api/openapi.json", timeout=3).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if proc.poll() is not None:
                    raise AssertionError(log.read_text(errors="replace")[-3000:])
                assert time.monotonic() < deadline, "the server did not start in 120 s"
                time.sleep(0.3)
            yield url
        finally:
            with contextlib.suppress(ProcessLookupError):  # a test may have killed it already
                os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=30)


def wait_for(check: Callable[[], Any], seconds: float = 60.0) -> Any:
    """What ``check`` returns once it is truthy (asked every 0.2 s), or fail after ``seconds``."""
    deadline = time.monotonic() + seconds
    while True:
        found = check()
        if found:
            return found
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)
