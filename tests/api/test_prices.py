"""Prices and estimates over REST: what the Cost Estimator shows, and an admin setting a price that
AWS publishes nowhere Model Studio can read (stored, audited, seen by every replica)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from services.costs.pricing import NO_SOURCE, PRICING_PAGE
from tests.support.factories import LLAMA
from tests.support.fakes import World

LITE = "bedrock:amazon.titan-text-lite-v1:0:4k"


def test_every_component_comes_with_its_source(client: TestClient, w: World) -> None:
    r = client.get("/prices", params={"model": LITE, "region": "us-east-1"})
    assert r.status_code == 200, r.text
    (lite,) = r.json()["Prices"]
    parts = lite["Components"]
    assert parts["training"]["Price"] == 0.0004 and parts["training"]["Per"] == "1,000 tokens"
    assert parts["inference_6_month"]["Price"] == 5.1 and parts["training"]["Url"] == PRICING_PAGE
    unknown = parts["on_demand_input"]  # Titan is not served on demand once customized
    assert unknown["Price"] is None
    west = client.get("/prices", params={"model": LLAMA, "region": "us-west-2"}).json()["Prices"][0]["Components"]
    missing = west["training"]
    assert missing["Price"] is None and missing["Source"].startswith(NO_SOURCE) and missing["Url"] == PRICING_PAGE
    every = client.get("/prices").json()["Prices"]
    assert {p["ModelId"] for p in every} >= {LITE, LLAMA} and {p["Region"] for p in every} == {"us-east-1", "us-west-2"}
    assert all(c["Url"] or c["Price"] is not None for p in every for c in p["Components"].values())
    assert client.get("/prices", params={"model": "bedrock:nope"}).status_code == 404


def test_an_estimate_names_each_component_its_price_and_source(client: TestClient, w: World) -> None:
    body = {
        "BaseModelId": LITE, "Region": "us-east-1", "TrainingTokens": 1_000_000, "Epochs": 2,
        "StorageMonths": 3, "ModelUnits": 1, "HoursPerDay": 8, "Days": 10,
    }  # fmt: skip
    r = client.post("/estimates", json=body)
    assert r.status_code == 200, r.text
    out = r.json()
    costs = {c["Name"]: c["Cost"] for c in out["Components"]}
    assert costs == {"Training": 0.8, "Storage": 5.85, "Inference (no-commitment throughput)": 568.0}
    assert out["Total"] == 574.65 and out["Unknown"] == []
    assert all("pricing page" in c["Price"]["Source"] for c in out["Components"])
    llama = client.post("/estimates", json={"BaseModelId": LLAMA, "TrainingTokens": 1000}).json()
    assert llama["Region"] == "us-east-1"  # where a job on it runs (this catalog offers it there)
    assert llama["Total"] is None and "Training" in llama["Unknown"]
    assert client.post("/estimates", json=body | {"Epochs": 0}).status_code == 422
    hourly = client.post("/estimates", json=body | {"ModelType": "REINFORCEMENT_FINE_TUNING"}).json()
    training = hourly["Components"][0]
    assert training["Name"] == "Training (billed by the hour)" and training["Cost"] is None and hourly["Total"] is None
    assert "not published by AWS" in training["Price"]["Source"]
    assert client.post("/estimates", json=body | {"ModelType": "IMPORTED"}).status_code == 422
    assert client.post("/estimates", json=body | {"BaseModelId": "bedrock:nope"}).status_code == 404


def test_an_admin_sets_a_price_nobody_published_and_it_is_used_and_audited(client: TestClient, w: World) -> None:
    body = {
        "ModelId": LLAMA, "Region": "us-west-2", "Component": "training", "Price": 0.0015,
        "Source": "AWS pricing page, Meta Llama 3.1 customization table, read 2026-12-04",
    }  # fmt: skip
    r = client.put("/prices", json=body)
    assert r.status_code == 200, r.text
    training = r.json()["Components"]["training"]
    assert (
        training["Price"] == 0.0015 and training["SetBy"] == "local-admin" and "read 2026-12-04" in training["Source"]
    )
    estimate = client.post(
        "/estimates", json={"BaseModelId": LLAMA, "Region": "us-west-2", "TrainingTokens": 1_000_000}
    ).json()
    assert next(c for c in estimate["Components"] if c["Name"] == "Training")["Cost"] == 1.5
    (event,) = w.store.audit.audit_events(action="set-price")
    assert event.actor_id == "local-admin" and event.model_id == LLAMA and event.after == "$0.0015"
    assert "read 2026-12-04" in event.detail
    for bad, says in (
        ({"Component": "everything"}, "Component"),
        ({"Price": -1}, "Price"),
        ({"Source": ""}, "Source"),
        ({"Region": "eu-west-9"}, "Region"),
        ({"ModelId": "bedrock:nope"}, "Base Model"),
    ):
        refused = client.put("/prices", json=body | bad)
        assert refused.status_code == 422 and says in refused.text, (bad, refused.text)
    assert len(w.store.audit.audit_events(action="set-price")) == 1  # nothing else was written


def test_a_member_cannot_set_a_price(w: World) -> None:
    from api.app import create_api

    _, token = w.services.tokens.create("mia@example.com", "member", "laptop")
    member = TestClient(create_api(lambda: w.services), raise_server_exceptions=False)
    r = member.put(
        "/prices",
        json={"ModelId": LLAMA, "Region": "us-west-2", "Component": "training", "Price": 1, "Source": "a guess"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert r.status_code == 403 and "for admins" in r.json()["Message"]
    assert w.store.audit.audit_events(action="set-price") == []
    assert member.get("/prices", headers={"Authorization": f"Bearer {token}"}).status_code == 200
