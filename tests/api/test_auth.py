"""API identity: tokens bound to a user and role; loopback-only anonymity in local mode; 401/403."""

from __future__ import annotations

import orjson
from fastapi.testclient import TestClient

from api.app import create_api
from tests.fakes import World

LLAMA = "meta.llama3-1-8b-instruct-v1:0:128k"


def remote(world: World) -> TestClient:
    return TestClient(create_api(lambda: world.services), raise_server_exceptions=False, client=("10.1.2.3", 40000))


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_a_remote_caller_needs_a_token(world: World) -> None:
    client = remote(world)
    response = client.get("/models")
    assert response.status_code == 401 and response.json()["Code"] == "Unauthenticated"
    assert "python -m services.tokens create" in response.json()["Message"]
    assert client.get("/models", headers=bearer("mst_wrong")).status_code == 401


def test_a_member_token_is_refused_admin_actions_with_403(world: World) -> None:
    _, token = world.services.tokens.create("mia@example.com", "member", "laptop")
    client = remote(world)
    assert client.get("/models", headers=bearer(token)).status_code == 200
    refused = client.post("/models/openai:gpt-4o/enable", headers=bearer(token))
    assert refused.status_code == 403 and refused.json()["Code"] == "Forbidden"
    assert client.post("/models/sync", headers=bearer(token)).status_code == 403


def test_members_act_on_their_own_models_only(world: World) -> None:
    data = b"".join(orjson.dumps({"prompt": f"q{i}", "completion": "a"}) + b"\n" for i in range(120))
    world.objects.put_bytes("s3://my-data/train.jsonl", data)
    _, mia = world.services.tokens.create("mia@example.com", "member", "laptop")
    _, otto = world.services.tokens.create("otto@example.com", "member", "laptop")
    client = remote(world)
    created = client.post(
        "/custom-models",
        headers=bearer(mia) | {"X-Request-Id": "req-42"},
        json={"ModelName": "mia-bot", "BaseModelId": LLAMA, "TrainingDataLocation": "s3://my-data/train.jsonl"},
    )
    assert created.status_code == 201, created.text
    model_id = created.json()["Id"]
    world.clock.advance(seconds=61)
    assert client.put(f"/custom-models/{model_id}/throughput", headers=bearer(otto), json={}).status_code == 403
    assert client.delete(f"/custom-models/{model_id}", headers=bearer(otto)).status_code == 403
    assert client.delete(f"/custom-models/{model_id}", headers=bearer(mia)).status_code == 204
    create_event = world.store.audit_events(model_id=model_id, action="create")[0]
    assert (create_event.actor_id, create_event.request_id) == ("mia@example.com", "req-42")


def test_a_revoked_token_stops_working(world: World) -> None:
    token_id, token = world.services.tokens.create("ada@example.com", "admin", "ci")
    client = remote(world)
    assert client.post("/models/openai:gpt-4o/enable", headers=bearer(token)).status_code == 200
    world.services.tokens.revoke(token_id)
    assert client.get("/models", headers=bearer(token)).status_code == 401
