"""/api/endpoints over HTTP on the local backend: two Nova custom models, one deployed on demand through the
seed's shortcut (an endpoint too), promoted to the other and rolled back: the ARN never changes, the lights and the
history follow; what may not be done answers 403, 404 or 409 in words."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from api.app import create_api
from services.bootstrap import build_services
from services.settings import load_settings
from tests.support.factories import NOVA_MICRO, Served, State, custom_model, nova_jsonl
from tests.support.fakes import FakeClock


def test_promote_and_roll_back_over_rest(tmp_path: Path) -> None:
    clock = FakeClock()
    services = build_services(load_settings(data_dir=tmp_path), clock=clock)
    services.start(background=False)
    api = TestClient(create_api(lambda: services), client=("127.0.0.1", 50000))
    run6 = custom_model(Served(services, clock), State.COMPLETED, name="bot-6", base=NOVA_MICRO, data=nova_jsonl())
    run7 = custom_model(Served(services, clock), State.COMPLETED, name="bot-7", base=NOVA_MICRO, data=nova_jsonl())
    assert api.put(f"/custom-models/{run6.id}/deployment").status_code == 202  # the seed's shortcut
    clock.advance(seconds=services.settings.sim_throughput_seconds + 1)
    assert api.post(f"/models/{run6.id}/enable").json()["StatusLight"] == "GREEN"
    [listed] = api.get("/endpoints").json()["Endpoints"]
    assert listed["Kind"] == "ON_DEMAND" and listed["ModelId"] == run6.id and listed["Status"] == "Active"
    arn = listed["Arn"]
    promoted = api.put(f"/endpoints/{listed['Id']}", json={"ModelId": run7.id})
    assert promoted.status_code == 202, promoted.text
    assert promoted.json()["Arn"] == arn and promoted.json()["ModelId"] == run7.id
    assert api.get(f"/custom-models/{run6.id}").json()["StatusLight"] == "RED"  # it lost its only way to serve
    assert api.get(f"/custom-models/{run7.id}").json()["StatusLight"] == "YELLOW"  # served: an admin enables it
    back = api.post(f"/endpoints/{listed['Id']}/rollback")
    assert back.status_code == 202 and back.json()["ModelId"] == run6.id and back.json()["Arn"] == arn
    history = api.get(f"/endpoints/{listed['Id']}").json()["History"]
    assert [(h["Action"], h["ModelName"]) for h in history] == [
        ("create", "bot-6"), ("promote", "bot-7"), ("rollback", "bot-6"),
    ]  # fmt: skip
    same = api.put(f"/endpoints/{listed['Id']}", json={"ModelId": run6.id})
    assert same.status_code == 409 and "is the model" in same.json()["Message"]
    assert api.get("/endpoints/endpoint:nothing").status_code == 404
    assert api.put(f"/endpoints/{listed['Id']}", json={"ModelId": run7.id, "Extra": 1}).status_code == 422
    made = api.post("/endpoints", json={"Kind": "ON_DEMAND", "ModelId": run7.id, "Name": "bot prod"})
    assert made.status_code == 422 and "is not a Bedrock name" in made.text
    gone = api.delete(f"/endpoints/{listed['Id']}")
    assert gone.status_code == 200 and gone.json()["History"][-1]["Action"] == "delete"
    assert api.get("/endpoints").json()["Endpoints"] == []


def test_the_gateway_calls_an_endpoint_by_its_id_and_the_model_behind_it_must_be_enabled(tmp_path: Path) -> None:
    clock = FakeClock()
    services = build_services(load_settings(data_dir=tmp_path), clock=clock)
    services.start(background=False)
    api = TestClient(create_api(lambda: services), client=("127.0.0.1", 50000))
    run6 = custom_model(Served(services, clock), State.DEPLOYED, name="bot-6", base=NOVA_MICRO, data=nova_jsonl())
    run7 = custom_model(Served(services, clock), State.COMPLETED, name="bot-7", base=NOVA_MICRO, data=nova_jsonl())
    assert api.post(f"/models/{run6.id}/enable").json()["StatusLight"] == "GREEN"
    [endpoint] = api.get("/endpoints").json()["Endpoints"]
    ask = {"model": endpoint["Id"], "messages": [{"role": "user", "content": "Hi?"}]}
    said = api.post("/v1/chat/completions", json=ask)
    assert said.status_code == 200, said.text
    assert api.get(f"/models/{run6.id}/usage").json()["Calls"] >= 1  # counted for the model behind it
    assert api.put(f"/endpoints/{endpoint['Id']}", json={"ModelId": run7.id}).status_code == 202
    refused = api.post("/v1/chat/completions", json=ask)  # bot-7 is not enabled yet: not for the gateway
    assert refused.status_code == 409 and "bot-7" in refused.text
    assert api.post(f"/models/{run7.id}/enable").json()["StatusLight"] == "GREEN"
    assert api.post("/v1/chat/completions", json=ask).status_code == 200
    assert api.post("/v1/chat/completions", json=ask | {"model": "endpoint:nothing"}).status_code == 404
