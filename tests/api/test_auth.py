"""API identity: tokens bound to a user and role; loopback-only anonymity in local mode; 401/403."""

from __future__ import annotations

import orjson
from fastapi.testclient import TestClient

from api.app import create_api
from tests.support.factories import LLAMA_MODEL_ID
from tests.support.fakes import World


def remote(w: World) -> TestClient:
    return TestClient(create_api(lambda: w.services), raise_server_exceptions=False, client=("10.1.2.3", 40000))


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_a_remote_caller_needs_a_token(w: World) -> None:
    client = remote(w)
    response = client.get("/models")
    assert response.status_code == 401 and response.json()["Code"] == "Unauthenticated"
    assert "python -m services.tokens create" in response.json()["Message"]
    assert client.get("/models", headers=bearer("mst_wrong")).status_code == 401


def test_a_member_token_is_refused_admin_actions_with_403(w: World) -> None:
    _, token = w.services.tokens.create("mia@example.com", "member", "laptop")
    client = remote(w)
    assert client.get("/models", headers=bearer(token)).status_code == 200
    refused = client.post("/models/openai:gpt-4o/enable", headers=bearer(token))
    assert refused.status_code == 403 and refused.json()["Code"] == "Forbidden"
    assert client.post("/models/sync", headers=bearer(token)).status_code == 403


def test_members_act_on_their_own_models_only(w: World) -> None:
    data = b"".join(orjson.dumps({"prompt": f"q{i}", "completion": "a"}) + b"\n" for i in range(120))
    w.objects.put_bytes("s3://my-data/train.jsonl", data)
    _, mia = w.services.tokens.create("mia@example.com", "member", "laptop")
    _, otto = w.services.tokens.create("otto@example.com", "member", "laptop")
    client = remote(w)
    created = client.post(
        "/custom-models",
        headers=bearer(mia) | {"X-Request-Id": "req-42"},
        json={
            "ModelName": "mia-bot",
            "BaseModelId": LLAMA_MODEL_ID,
            "TrainingDataLocation": "s3://my-data/train.jsonl",
        },
    )
    assert created.status_code == 201, created.text
    model_id = created.json()["Id"]
    w.clock.advance(seconds=61)
    assert client.put(f"/custom-models/{model_id}/throughput", headers=bearer(otto), json={}).status_code == 403
    assert client.delete(f"/custom-models/{model_id}", headers=bearer(otto)).status_code == 403
    assert client.delete(f"/custom-models/{model_id}", headers=bearer(mia)).status_code == 204
    create_event = w.store.audit.audit_events(model_id=model_id, action="create")[0]
    assert (create_event.actor_id, create_event.request_id) == ("mia@example.com", "req-42")


def test_a_revoked_token_stops_working(w: World) -> None:
    token_id, token = w.services.tokens.create("ada@example.com", "admin", "ci")
    client = remote(w)
    assert client.post("/models/openai:gpt-4o/enable", headers=bearer(token)).status_code == 200
    w.services.tokens.revoke(token_id)
    assert client.get("/models", headers=bearer(token)).status_code == 401
