"""Two app processes on one PostgreSQL: each sees the other's changes, and their reconcilers share
the work safely (each job transition is recorded once)."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import orjson
import pytest

from services.adapters.sql import SqlDatabase
from tests.support.factories import LLAMA
from tests.support.pg_schema import pg_schema
from tests.support.servers import running_server

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def pg_schema_url() -> Iterator[str]:
    base = os.environ.get("STUDIO_TEST_DATABASE_URL")
    if not base:
        pytest.skip("STUDIO_TEST_DATABASE_URL is not set")
    with pg_schema(base, "r") as url:
        yield url


def env(data: Path, url: str) -> dict[str, str]:
    return {
        "STUDIO_DATA_DIR": str(data),
        "STUDIO_DATABASE_URL": url,
        "STUDIO_SIM_JOB_SECONDS": "1",
        "STUDIO_RECONCILE_SECONDS": "0.5",
        "STUDIO_ALLOWED_BUCKETS": "my-data",
    }


def test_two_processes_share_state_and_the_reconciler(tmp_path: Path, pg_schema_url: str) -> None:
    raw = b"".join(orjson.dumps({"prompt": f"q{i}", "completion": "a"}) + b"\n" for i in range(120))
    (tmp_path / "s3" / "my-data").mkdir(parents=True)
    (tmp_path / "s3" / "my-data" / "train.jsonl").write_bytes(raw)
    SqlDatabase.from_url(pg_schema_url)  # migrate once, before both start
    with (
        running_server(tmp_path / "a.log", env(tmp_path, pg_schema_url)) as base_a,
        running_server(tmp_path / "b.log", env(tmp_path, pg_schema_url)) as base_b,
    ):
        api_a, api_b = f"{base_a}/api", f"{base_b}/api"
        if not httpx.get(f"{api_a}/models", timeout=10).json()["Models"]:
            httpx.post(f"{api_a}/models/sync", timeout=30)
        assert httpx.post(f"{api_a}/models/{LLAMA}/enable", timeout=10).status_code == 200
        seen = httpx.get(f"{api_b}/models", params={"status": "GREEN"}, timeout=10).json()["Models"]
        assert [m["Id"] for m in seen] == [LLAMA]  # B sees A's change at once
        created = httpx.post(
            f"{api_b}/custom-models",
            json={"ModelName": "shared-bot", "BaseModelId": LLAMA, "TrainingDataLocation": "s3://my-data/train.jsonl"},
            timeout=30,
        )
        assert created.status_code == 201, created.text
        model_id = created.json()["Id"]
        assert [m["Id"] for m in httpx.get(f"{api_a}/custom-models", timeout=10).json()["CustomModels"]] == [model_id]
        store = SqlDatabase.from_url(pg_schema_url, run_migrations=False)
        deadline = time.monotonic() + 30
        while store.custom_models.get_custom(model_id).job_status.value != "Completed":  # only the reconcilers move it
            assert time.monotonic() < deadline, "no reconciler completed the job"
            time.sleep(0.3)
        time.sleep(2)  # let both reconcilers run a few more rounds
        refreshes = store.audit.audit_events(model_id=model_id, action="status-refreshed")
        assert [(e.before, e.after) for e in refreshes] == [("InProgress", "Completed")]


def test_two_processes_deliver_each_notice_once_to_a_webhook(tmp_path: Path, pg_schema_url: str) -> None:
    """Both processes run a dispatcher on one PostgreSQL outbox: the receiver gets every notice, and
    each one once (by Id), whichever process changed the model and whichever delivered it."""
    import threading

    from tests.adapters.test_notifications import Receiver

    receiver = Receiver(fail=0)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    raw = b"".join(orjson.dumps({"prompt": f"q{i}", "completion": "a"}) + b"\n" for i in range(120))
    (tmp_path / "s3" / "my-data").mkdir(parents=True)
    (tmp_path / "s3" / "my-data" / "train.jsonl").write_bytes(raw)
    SqlDatabase.from_url(pg_schema_url)
    settings = env(tmp_path, pg_schema_url) | {
        "STUDIO_WEBHOOK_URLS": receiver.url,
        "STUDIO_SIM_THROUGHPUT_SECONDS": "1",
    }
    try:
        with (
            running_server(tmp_path / "a.log", settings) as base_a,
            running_server(tmp_path / "b.log", settings) as base_b,
        ):
            api_a, api_b = f"{base_a}/api", f"{base_b}/api"
            if not httpx.get(f"{api_a}/models", timeout=10).json()["Models"]:
                httpx.post(f"{api_a}/models/sync", timeout=30)
            httpx.post(f"{api_a}/models/{LLAMA}/enable", timeout=10)
            store = SqlDatabase.from_url(pg_schema_url, run_migrations=False)
            for n in range(3):  # three models, each completed, served, enabled, then removed: 4 notices each
                created = httpx.post(
                    f"{(api_a, api_b)[n % 2]}/custom-models",
                    json={"ModelName": f"bot-{n}", "BaseModelId": LLAMA,
                          "TrainingDataLocation": "s3://my-data/train.jsonl"},
                    timeout=30,
                )  # fmt: skip
                assert created.status_code == 201, created.text
                model_id = created.json()["Id"]
                wait(lambda m=model_id: store.custom_models.get_custom(m).job_status.value == "Completed", "the job")
                put = httpx.put(f"{api_b}/custom-models/{model_id}/throughput", json={"ModelUnits": 1}, timeout=30)
                assert put.status_code == 202, put.text
                wait(
                    lambda m=model_id: (
                        getattr(store.custom_models.get_custom(m).throughput_status, "value", "") == "InService"
                    ),
                    "PT",
                )
                assert httpx.post(f"{api_a}/models/{model_id}/enable", timeout=10).status_code == 200
                assert httpx.delete(f"{api_a}/custom-models/{model_id}/throughput", timeout=30).status_code == 202
            written = {n.id: n.event for n in store.outbox.notices()}
            assert sorted(written.values()) == sorted(
                ["job.completed", "throughput.in_service", "model.disabled"] * 3
            ), written
            wait(lambda: {orjson.loads(b)["Id"] for _, b in receiver.got} >= set(written), "every delivery")
            time.sleep(4)  # both dispatchers poll every 2 s: time for a repeat to show
    finally:
        receiver.shutdown()
        receiver.server_close()
    ids = [orjson.loads(body)["Id"] for _, body in receiver.got]
    assert sorted(ids) == sorted(written), "each notice exactly once"
    assert {d.state for d, _ in store.outbox.deliveries()} == {"sent"}


def wait(done: object, what: str, seconds: float = 40) -> None:
    deadline = time.monotonic() + seconds
    while not done():  # type: ignore[operator]
        assert time.monotonic() < deadline, f"{what}: not within {seconds:g} s"
        time.sleep(0.3)
