"""Attacks on endpoints over real HTTP against a running server (local backend), by two members with API tokens:
an endpoint serves what its owner (or an admin) puts behind it, so another member can neither take it for their
model, nor point it at someone else's model, nor delete it; ids that are not endpoints are 404s. Each attack is
refused saying why, and nothing changes: the endpoint serves the same model behind the same ARN."""

from __future__ import annotations

import time

import httpx
import pytest

from tests.security.conftest import Target, create_token, enable, put_object
from tests.support.factories import NOVA_MICRO, nova_jsonl


def client(target: Target, token: str) -> httpx.Client:
    return httpx.Client(base_url=f"{target.url}/api", headers={"Authorization": f"Bearer {token}"}, timeout=60)


def completed(api: httpx.Client, name: str, data: str) -> str:
    made = api.post("/custom-models", json={"ModelName": name, "BaseModelId": NOVA_MICRO, "TrainingDataLocation": data})
    assert made.status_code == 201, made.text
    model_id = made.json()["Id"]
    deadline = time.monotonic() + 60
    while api.get(f"/custom-models/{model_id}").json()["Status"] != "Complete":
        assert time.monotonic() < deadline, "the job did not complete"
        time.sleep(0.5)
    return str(model_id)


@pytest.fixture(scope="module")
def endpoint(target: Target) -> dict:
    enable(target, NOVA_MICRO)
    data = put_object(target, "sets/nova.jsonl", nova_jsonl(120))
    mia = client(target, create_token(target, "mia@example.com", "member"))
    otto = client(target, create_token(target, "otto@example.com", "member"))
    mine, spare = completed(mia, "mia-bot", data), completed(mia, "mia-bot-2", data)
    theirs = completed(otto, "otto-bot", data)
    assert mia.put(f"/custom-models/{mine}/deployment").status_code == 202
    deadline = time.monotonic() + 60
    while mia.get(f"/custom-models/{mine}").json()["DeploymentStatus"] != "Active":
        assert time.monotonic() < deadline, "the deployment did not become Active"
        time.sleep(0.5)
    [found] = [e for e in mia.get("/endpoints").json()["Endpoints"] if e["ModelId"] == mine]
    return {"mia": mia, "otto": otto, "mine": mine, "spare": spare, "theirs": theirs, "endpoint": found}


def test_another_member_can_neither_take_nor_point_nor_delete_an_endpoint(target: Target, endpoint: dict) -> None:
    mia, otto, found = endpoint["mia"], endpoint["otto"], endpoint["endpoint"]
    before = target.snapshot()
    for who, body, said in (
        (otto, {"ModelId": endpoint["theirs"]}, "only its owner"),  # Otto's model behind Mia's endpoint
        (otto, {"ModelId": endpoint["spare"]}, "only its owner"),  # Mia's other model, by Otto
        (mia, {"ModelId": endpoint["theirs"]}, "only its owner"),  # Otto's model, by Mia
    ):
        refused = who.put(f"/endpoints/{found['Id']}", json=body)
        assert refused.status_code == 403 and said in refused.json()["Message"], refused.text
    assert otto.post(f"/endpoints/{found['Id']}/rollback").status_code == 409  # nothing to roll back to
    assert otto.delete(f"/endpoints/{found['Id']}").status_code == 403
    for bad in ("endpoint:nothing", "..%2F..%2Fetc", "x" * 500):  # the guard refuses a traversal itself (400)
        assert mia.get(f"/endpoints/{bad}").status_code in (400, 404)
    missing = mia.put(f"/endpoints/{found['Id']}", json={"ModelId": "custom:nothing-here"})
    assert missing.status_code == 404
    after = mia.get(f"/endpoints/{found['Id']}").json()
    assert after["ModelId"] == endpoint["mine"] and after["Arn"] == found["Arn"] and len(after["History"]) == 1
    assert target.snapshot() == before


def test_the_owner_promotes_her_own_models(target: Target, endpoint: dict) -> None:
    mia, found = endpoint["mia"], endpoint["endpoint"]
    promoted = mia.put(f"/endpoints/{found['Id']}", json={"ModelId": endpoint["spare"]})
    assert promoted.status_code == 202 and promoted.json()["Arn"] == found["Arn"], promoted.text


def test_a_model_is_compared_only_with_an_enabled_one(target: Target, endpoint: dict) -> None:
    """Compared with another member's model not yet enabled: refused (it would be calling it), nothing stored."""
    mia = endpoint["mia"]
    before = target.snapshot()
    # her served model (after the promotion above: hers to try) against Otto's, which nobody enabled
    refused = mia.post(
        f"/custom-models/{endpoint['spare']}/evaluations", json={"AgainstModelId": endpoint["theirs"], "MaxRecords": 5}
    )
    assert refused.status_code == 409 and "otto-bot" in refused.json()["Message"], refused.text
    assert "only enabled (GREEN) models may be called" in refused.json()["Message"]
    assert target.snapshot() == before
