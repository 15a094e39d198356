"""Scale out: two API servers (api_server.py, the processes `make run` starts beside the UI, as replicas behind a
load balancer would run them) on one database. Each keeps what a call needs in memory, and a change made through
one is obeyed by the other on its very next call: a model disabled, a token revoked, a model enabled again.
On SQLite (one file, two processes) always; on PostgreSQL when STUDIO_TEST_DATABASE_URL is set (CI sets it)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from services.bootstrap import build_services
from services.settings import load_settings
from tests.support.pg_schema import pg_schema
from tests.support.servers import free_port, running_server

LITE = "bedrock:amazon.titan-text-lite-v1:0:4k"
CHAT = {"model": LITE, "messages": [{"role": "user", "content": "Hello?"}], "max_tokens": 16}


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'shared.db'}"
        return
    base = os.environ.get("STUDIO_TEST_DATABASE_URL")
    if not base:
        pytest.skip("STUDIO_TEST_DATABASE_URL is not set")
    with pg_schema(base, "s") as url:
        yield url


def api_server(port: int) -> list[str]:
    return [".venv/bin/python" if Path(".venv/bin/python").exists() else "python", "api_server.py",
            "--address", "127.0.0.1", "--port", str(port), "--workers", "1"]  # fmt: skip


def test_a_change_through_one_api_server_is_obeyed_by_the_other_at_once(tmp_path: Path, database_url: str) -> None:
    env = {"STUDIO_DATA_DIR": str(tmp_path / "data"), "STUDIO_DATABASE_URL": database_url}
    settings = load_settings(data_dir=tmp_path / "data", database_url=database_url)
    build_services(settings).start(background=False)  # the UI's process fills the catalog; here, the test does
    port_a, port_b = free_port(), free_port()
    with (
        running_server(tmp_path / "a.log", env, api_server(port_a), port_a) as a,
        running_server(tmp_path / "b.log", env, api_server(port_b), port_b) as b,
        httpx.Client(base_url=f"{a}/api", timeout=30) as via_a,
        httpx.Client(base_url=f"{b}/api", timeout=30) as via_b,
    ):
        assert via_a.post(f"/models/{LITE}/enable").status_code == 200
        made = via_a.post("/tokens", json={"Name": "app", "Scopes": ["invoke"], "UserId": "m@x.test", "Role": "member"})
        token = {"Authorization": f"Bearer {made.json()['Token']}"}
        for client in (via_a, via_b, via_a, via_b):  # each has the token and the model in memory now
            assert client.post("/v1/chat/completions", json=CHAT, headers=token).status_code == 200

        assert via_a.post(f"/models/{LITE}/disable").status_code == 200
        refused = via_b.post("/v1/chat/completions", json=CHAT, headers=token)  # the very next call, on the other
        assert refused.status_code == 409, refused.text
        assert refused.json()["error"]["Status"] == "YELLOW"  # in OpenAI's shape, with the light
        streamed = via_b.post("/v1/chat/completions", json=CHAT | {"stream": True}, headers=token)
        assert streamed.status_code == 409

        assert via_b.post(f"/models/{LITE}/enable").status_code == 200
        assert via_a.post("/v1/chat/completions", json=CHAT, headers=token).status_code == 200

        assert via_b.delete(f"/tokens/{made.json()['Id']}").status_code in (200, 204)
        revoked = via_a.post("/v1/chat/completions", json=CHAT, headers=token)
        assert revoked.status_code == 401, revoked.text
        usage = via_b.get(f"/models/{LITE}/usage").json()
        assert usage["Calls"] >= 1 and usage["Refused"] >= 1  # each counts its own; the store adds them up
