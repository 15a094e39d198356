"""Attacks on a real Model Studio server (`streamlit run server.py`, local backend) over real HTTP.

Each test performs one attack and asserts it is refused and that nothing changed: the database
rows (models, custom models, the audit trail), the objects, the uploads on disk."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text

from tests.security.st_client import Session, _open
from tests.support.servers import ROOT, ServerURL, running_server

UPLOAD_MB = 4


@dataclass(frozen=True)
class Target:
    url: ServerURL
    data: Path
    database_url: str

    @property
    def host(self) -> str:
        return self.url.removeprefix("http://")

    def snapshot(self) -> dict[str, object]:
        """Everything an attack could have changed (not what the server's reconciler does meanwhile)."""
        engine = create_engine(self.database_url)
        try:
            with engine.connect() as conn:
                state = {
                    "enabled": sorted(r[0] for r in conn.execute(text("SELECT id FROM models WHERE enabled"))),
                    # ids, not versions: the server's own reconciler moves jobs along meanwhile
                    "custom": sorted(r[0] for r in conn.execute(text("SELECT id FROM custom_models"))),
                    "throughput": sorted(
                        r[0]
                        for r in conn.execute(text("SELECT id FROM custom_models WHERE throughput_name IS NOT NULL"))
                    ),
                    "audit": conn.execute(  # what someone did; the reconciler's refreshes are its own
                        text("SELECT count(*) FROM audit_events WHERE actor_id <> 'system'")
                    ).scalar_one(),
                }
        finally:
            engine.dispose()
        store = self.data / "s3"
        state["objects"] = sorted(  # a running job's metrics are the (simulated) provider's own writes
            name
            for name in (str(p.relative_to(store)) for p in store.rglob("*") if p.is_file())
            if "/model-customization-job-" not in name
        )
        uploads = self.data / "uploads"
        state["uploads"] = sorted(p.name for p in uploads.iterdir()) if uploads.is_dir() else []
        return state

    def session(self) -> AbstractContextManager[Session]:
        return streamlit_session(self.url)


def put_object(target: Target, key: str, data: bytes) -> str:
    """Data already in the local object store's default bucket (as if copied there with the CLI)."""
    path = target.data / "s3" / "model-studio" / key
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return f"s3://model-studio/{key}"


def create_token(target: Target, user: str, role: str) -> str:
    """An API token made with the documented CLI."""
    out = subprocess.run(
        [sys.executable, "-m", "services.tokens", "create", "--user", user, "--role", role],
        cwd=ROOT,
        env={"STUDIO_DATA_DIR": str(target.data), "PATH": "/usr/bin:/bin", "STUDIO_DATABASE_URL": target.database_url},
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.strip().splitlines()[-1]


@contextmanager
def serving(tmp: Path, database_url: str | None = None, **env: str) -> Iterator[Target]:
    db = database_url or f"sqlite:///{(tmp / 'studio.db').as_posix()}"
    settings = {
        "STUDIO_DATA_DIR": str(tmp),
        "STUDIO_DATABASE_URL": db,
        "STUDIO_MAX_UPLOAD_MB": str(UPLOAD_MB),
        "STUDIO_SIM_JOB_SECONDS": "3",
        "STUDIO_SIM_THROUGHPUT_SECONDS": "1",
        "STUDIO_RECONCILE_SECONDS": "1",
    } | env
    with running_server(tmp / "server.log", settings) as url:
        httpx.get(f"{url}/api/models", timeout=60)  # the services (and the database) are built on first use
        yield Target(url, tmp, db)


@pytest.fixture(scope="module")
def target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    with serving(tmp_path_factory.mktemp("attacked")) as served:
        yield served


@contextmanager
def streamlit_session(
    base_url: str, headers: list[tuple[str, str]] | None = None, received: list[bytes] | None = None
) -> Iterator[Session]:
    """A live Streamlit session (a WebSocket kept open in a thread), as a browser tab has; what the
    server sends is appended to ``received``."""
    loop = asyncio.new_event_loop()
    hold = asyncio.Event()
    ready: asyncio.Future[Session] = loop.create_future()
    thread = threading.Thread(
        target=lambda: loop.run_until_complete(_open(base_url, hold, ready, headers, received)), daemon=True
    )
    thread.start()
    deadline = time.monotonic() + 30
    while not ready.done():
        assert thread.is_alive() and time.monotonic() < deadline, "no Streamlit session"
        time.sleep(0.05)
    try:
        yield ready.result()
    finally:
        loop.call_soon_threadsafe(hold.set)
        thread.join(timeout=10)


def vm(pid: int, field: str) -> int:
    """A memory figure of a process in kB (VmRSS, VmHWM)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise AssertionError(field)


def enable(target: Target, model_id: str) -> None:
    """Enabled (GREEN), whether it was before or not."""
    r = httpx.post(f"{target.url}/api/models/{model_id}/enable", timeout=30)
    assert r.status_code == 200 or (r.status_code == 409 and "already enabled" in r.text), r.text
