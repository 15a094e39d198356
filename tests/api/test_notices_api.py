"""/api/notices (the bell, read state, preferences), /api/idle, a model's idle guard, /api/costs/month."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from api.app import create_api
from tests.support.factories import trained_and_served
from tests.support.fakes import ADMIN, World

LITE = "bedrock:amazon.titan-text-lite-v1:0:4k"
PRICES = {"amazon.titan-text-lite-v1": {"training": 0.001, "storage_month": 2.0, "inference_no_commit": 10.0}}


@pytest.fixture
def served(tmp_path, monkeypatch: pytest.MonkeyPatch) -> tuple[World, TestClient, str]:
    monkeypatch.setenv("STUDIO_TEST_WORLD_DATABASE_URL", "sqlite")
    world = World(tmp_path, on_demand=True, monthly_budget=200, price_overrides=PRICES, auto_remove_grace_hours=1)
    world.catalog.sync(actor=ADMIN)
    world.catalog.enable(LITE, actor=ADMIN)
    model = trained_and_served(world)
    client = TestClient(create_api(lambda: world.services), raise_server_exceptions=False, client=("127.0.0.1", 5))
    return world, client, model.id


def test_notices_are_listed_marked_read_and_chosen(served: tuple[World, TestClient, str]) -> None:
    _world, client, model_id = served
    got = client.get("/notices").json()
    assert got["Unread"] == 2 and {n["Event"] for n in got["Notices"]} == {"job.completed", "throughput.in_service"}
    assert all(n["Unread"] and n["ModelId"] == model_id for n in got["Notices"])
    after = client.post("/notices/read", json={}).json()
    assert after["Unread"] == 0 and len(after["Notices"]) == 2
    assert client.get("/notices").json()["Unread"] == 0  # stored, not per request
    assert client.get("/notices/preferences").json() == {"Events": None, "Scope": "all", "Email": True}
    bad = client.put("/notices/preferences", json={"Events": ["job.done"], "Scope": "own", "Email": True})
    assert bad.status_code == 422 and "no event called 'job.done'" in bad.json()["Message"]
    chosen = client.put("/notices/preferences", json={"Events": ["job.failed"], "Scope": "own", "Email": False})
    assert chosen.status_code == 200 and chosen.json() == {"Events": ["job.failed"], "Scope": "own", "Email": False}
    assert client.get("/notices").json()["Notices"] == []


def test_idle_the_guard_and_the_month(served: tuple[World, TestClient, str]) -> None:
    world, client, model_id = served
    world.clock.advance(seconds=3 * 3600)
    (idle,) = client.get("/idle").json()["Idle"]
    assert idle["ModelId"] == model_id and idle["Kind"] == "throughput" and idle["GuardHours"] is None
    assert idle["IdleHours"] == pytest.approx(3, abs=0.05) and idle["IdleCost"] == pytest.approx(30, abs=0.5)
    set_ = client.put(f"/custom-models/{model_id}/idle-guard", json={"IdleGuardHours": 8})
    assert set_.status_code == 200 and set_.json()["IdleGuardHours"] == 8
    assert client.get("/idle").json()["Idle"][0]["GuardHours"] == 8  # shown at once
    too_short = client.put(f"/custom-models/{model_id}/idle-guard", json={"IdleGuardHours": 0.5})
    assert too_short.status_code == 422 and "grace" in too_short.json()["Message"]
    assert client.put(f"/custom-models/{model_id}/idle-guard", json={}).status_code == 422  # say it, even null
    assert (
        client.put(f"/custom-models/{model_id}/idle-guard", json={"IdleGuardHours": None}).json()["IdleGuardHours"]
        is None
    )
    month = client.get("/costs/month").json()
    assert month["Month"] == "2026-11" and month["Budget"] == 200
    assert month["Spent"] == pytest.approx(30, abs=1) and month["Share"] == pytest.approx(month["Spent"] / 200)
