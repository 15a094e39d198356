"""Calling models through Model Studio: GREEN models only, refused before the provider hears of it."""

from __future__ import annotations

import io
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_api
from services.customization import NewCustomModel, Upload
from services.domain.errors import ModelCallFailed, ProviderThrottled
from services.domain.models import Provider
from services.inference.service import ChatRequest, Reply, Target
from tests.support.factories import jsonl
from tests.support.fakes import ADMIN, World
from tests.support.servers import running_server

LITE = "bedrock:amazon.titan-text-lite-v1:0:4k"
GPT = "openai:gpt-4o"
HELLO = {"Messages": [{"Role": "user", "Content": "Hello?"}], "MaxTokens": 64}


class RecordingProvider:
    """The provider's side of a call, as the fakes of outside systems are: it records what reached it."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, ChatRequest]] = []
        self.fail: Exception | None = None

    def chat(self, target: Target, request: ChatRequest) -> Reply:
        self.calls.append((target.provider_model_id, request))
        if self.fail is not None:
            raise self.fail
        return Reply(f"answer from {target.provider_model_id}", 7, 3)

    def stream(self, target: Target, request: ChatRequest) -> Iterator[str | Reply]:
        reply = self.chat(target, request)
        yield from ("answer ", "from ", target.provider_model_id)
        yield reply


@pytest.fixture
def recorded(tmp_path: Path) -> tuple[World, RecordingProvider, TestClient]:
    provider = RecordingProvider()
    world = World(tmp_path, inference={Provider.BEDROCK: provider, Provider.OPENAI: provider}, on_demand=True)
    world.catalog.sync(actor=ADMIN)
    client = TestClient(create_api(lambda: world.services), raise_server_exceptions=False, client=("127.0.0.1", 5000))
    return world, provider, client


def test_a_model_that_is_not_green_is_refused_and_nothing_reaches_the_provider(recorded) -> None:
    world, provider, client = recorded
    refused = client.post(f"/models/{LITE}/invoke", json=HELLO)
    assert refused.status_code == 409
    body = refused.json()
    assert body["Status"] == "YELLOW" and "GREEN" in body["Message"] and body["NextAction"]
    assert provider.calls == []

    world.catalog.enable(LITE, actor=ADMIN)
    ok = client.post(f"/models/{LITE}/invoke", json=HELLO | {"System": "Be brief.", "Temperature": 0.2})
    assert ok.status_code == 200, ok.text
    out = ok.json()
    assert out["Output"] == "answer from amazon.titan-text-lite-v1"  # its on-demand variant is what answers
    assert (out["InputTokens"], out["OutputTokens"], out["Simulated"]) == (7, 3, False)
    assert out["LatencyMs"] >= 0
    (sent_to, request), *_ = provider.calls
    assert sent_to == "amazon.titan-text-lite-v1" and request.system == "Be brief." and request.max_tokens == 64

    world.catalog.disable(LITE, actor=ADMIN)
    again = client.post(f"/models/{LITE}/invoke", json=HELLO)
    assert again.status_code == 409 and len(provider.calls) == 1  # disabled: refused at once


def test_throttling_and_provider_failures_become_429_and_502_with_advice(recorded) -> None:
    world, provider, client = recorded
    world.catalog.enable(LITE, actor=ADMIN)
    provider.fail = ProviderThrottled("Bedrock is throttling calls to Titan; retry in a few seconds.", retry_after=7)
    throttled = client.post(f"/models/{LITE}/invoke", json=HELLO)
    assert throttled.status_code == 429 and throttled.headers["Retry-After"] == "7"
    assert throttled.json()["RetryAfterSeconds"] == 7 and "retry" in throttled.json()["Message"]
    provider.fail = ModelCallFailed("Bedrock refused the call to Titan (ValidationException: too long).")
    failed = client.post("/v1/chat/completions", json={"model": LITE, "messages": [{"role": "user", "content": "x"}]})
    assert failed.status_code == 502 and "ValidationException" in failed.json()["error"]["message"]


def test_every_call_is_counted_per_model_answered_failed_or_refused(recorded) -> None:
    world, provider, client = recorded
    assert client.post(f"/models/{LITE}/invoke", json=HELLO).status_code == 409  # not enabled: refused
    world.catalog.enable(LITE, actor=ADMIN)
    for _ in range(3):
        assert client.post(f"/models/{LITE}/invoke", json=HELLO).status_code == 200
    stream = {"model": LITE, "stream": True, "messages": [{"role": "user", "content": "x"}]}
    assert "[DONE]" in client.post("/v1/chat/completions", json=stream).text  # a stream counts once, at its end
    provider.fail = ModelCallFailed("Bedrock refused the call to Titan (ValidationException: too long).")
    assert client.post(f"/models/{LITE}/invoke", json=HELLO).status_code == 502
    usage = client.get(f"/models/{LITE}/usage").json()
    assert (usage["Calls"], usage["Failures"], usage["Refused"]) == (4, 1, 1)
    assert (usage["InputTokens"], usage["OutputTokens"]) == (28, 12)  # 7 and 3 per answer
    (day,) = usage["Days"]
    assert day["Day"] == f"{world.clock():%Y-%m-%d}" and day["MeanLatencyMs"] is not None
    assert client.get("/models/bedrock:nope/usage").status_code == 404
    assert client.get(f"/models/{LITE}/usage", params={"days": 0}).status_code == 422


def test_invoke_requests_are_checked(recorded) -> None:
    world, provider, client = recorded
    world.catalog.enable(LITE, actor=ADMIN)
    bad = [
        {"Messages": []},
        {"Messages": [{"Role": "system", "Content": "x"}]},
        HELLO | {"MaxTokens": 0},
        HELLO | {"Temperature": 1.5},
        HELLO | {"Extra": 1},
    ]
    for body in bad:
        answer = client.post(f"/models/{LITE}/invoke", json=body)
        assert answer.status_code == 422, body
    last_is_assistant = {"Messages": [{"Role": "user", "Content": "a"}, {"Role": "assistant", "Content": "b"}]}
    answer = client.post(f"/models/{LITE}/invoke", json=last_is_assistant)
    assert answer.status_code == 422 and "last message must be the user's" in answer.json()["Message"]
    assert client.post("/models/bedrock:nope/invoke", json=HELLO).status_code == 404
    assert provider.calls == []


def test_the_openai_compatible_routes_list_and_call_green_models_only(recorded) -> None:
    world, provider, client = recorded
    assert client.get("/v1/models").json() == {"object": "list", "data": []}
    world.catalog.enable(GPT, actor=ADMIN)
    listed = client.get("/v1/models").json()["data"]
    assert [m["id"] for m in listed] == [GPT] and listed[0]["object"] == "model"

    chat = {"model": GPT, "messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}]}
    done = client.post("/v1/chat/completions", json=chat).json()
    assert done["object"] == "chat.completion" and done["choices"][0]["message"]["content"] == "answer from gpt-4o"
    assert done["usage"] == {"prompt_tokens": 7, "completion_tokens": 3, "total_tokens": 10}
    assert provider.calls[-1][1].system == "Be brief."

    refused = client.post("/v1/chat/completions", json=chat | {"model": LITE})
    assert refused.status_code == 409
    error = refused.json()["error"]  # OpenAI's error shape, so its SDKs read it
    assert error["code"] == "Conflict" and "GREEN" in error["message"] and error["Status"] == "YELLOW"
    assert client.post("/v1/chat/completions", json={"model": GPT}).json()["error"]["code"] == "ValidationError"


def test_a_custom_model_is_called_through_its_throughput_and_the_simulation_answers_from_its_data(
    tmp_path: Path,
) -> None:
    world = World(tmp_path, on_demand=True)
    world.catalog.sync(actor=ADMIN)
    world.catalog.enable(LITE, actor=ADMIN)
    data = jsonl(120, prompt="What is the code for item {i}?", completion="Item {i} has code C{i}.")
    model = world.customization.create(
        NewCustomModel(name="coder", base_model_id=LITE), Upload("t.jsonl", io.BytesIO(data), len(data)), actor=ADMIN
    )
    client = TestClient(create_api(lambda: world.services), raise_server_exceptions=False, client=("127.0.0.1", 5000))
    ask = {"Messages": [{"Role": "user", "Content": "What is the code for item 17?"}]}
    assert client.post(f"/models/{model.id}/invoke", json=ask).json()["Status"] == "RED"  # training
    world.clock.advance(seconds=61)
    world.customization.refresh(model.id)
    world.customization.provision_throughput(model.id, actor=ADMIN)
    world.clock.advance(seconds=11)
    world.customization.refresh(model.id)
    assert client.post(f"/models/{model.id}/invoke", json=ask).json()["Status"] == "YELLOW"  # servable, not enabled
    world.catalog.enable(model.id, actor=ADMIN)

    answer = client.post(f"/models/{model.id}/invoke", json=ask).json()
    assert answer["Output"] == "Item 17 has code C17." and answer["Simulated"] is True  # its training record
    base = client.post(f"/models/{LITE}/invoke", json=ask).json()
    assert base["Simulated"] is True and "C17" not in base["Output"] and base["Output"].startswith("[simulated")


def test_the_official_openai_sdk_pointed_at_model_studio(tmp_path: Path) -> None:
    """Over real HTTP: a token from the CLI, the SDK lists GREEN models only, chats and streams; once
    the model is disabled its next call is refused."""
    import httpx
    import openai

    env = {"STUDIO_DATA_DIR": str(tmp_path / "data"), "STUDIO_SIM_JOB_SECONDS": "3"}
    with running_server(tmp_path / "server.log", env) as url:
        made = subprocess.run(
            [sys.executable, "-m", "services.tokens", "create", "--user", "app@example.com", "--role", "member",
             "--name", "app"],
            capture_output=True, text=True, check=True, env={**env, "PATH": "/usr/bin:/bin"},
        )  # fmt: skip
        token = made.stdout.strip().split()[-1]
        admin = httpx.Client(base_url=f"{url}/api", timeout=30)  # loopback in local mode: the local admin
        assert admin.post(f"/models/{LITE}/enable").status_code == 200
        sdk = openai.OpenAI(base_url=f"{url}/api/v1", api_key=token, max_retries=0)
        assert [m.id for m in sdk.models.list()] == [LITE]
        chat = sdk.chat.completions.create(model=LITE, messages=[{"role": "user", "content": "Hello there"}])
        assert chat.choices[0].message.content.startswith("[simulated Titan Text G1 - Lite]")
        assert chat.usage.prompt_tokens > 0
        pieces = [
            c.choices[0].delta.content or ""
            for c in sdk.chat.completions.create(
                model=LITE, messages=[{"role": "user", "content": "Hello there"}], stream=True
            )
            if c.choices
        ]
        assert len(pieces) > 3 and "".join(pieces) == chat.choices[0].message.content
        assert admin.post(f"/models/{LITE}/disable").status_code == 200
        with pytest.raises(openai.ConflictError, match="GREEN"):
            sdk.chat.completions.create(model=LITE, messages=[{"role": "user", "content": "Hello"}])
        assert sdk.models.list().data == []
        with pytest.raises(openai.AuthenticationError):
            openai.OpenAI(base_url=f"{url}/api/v1", api_key="wrong", max_retries=0).models.list()


def test_a_call_is_priced_from_the_price_catalog_when_a_per_token_price_is_known(tmp_path: Path) -> None:
    """Built as production builds it: the prices come from the price catalog and its overrides."""
    provider = RecordingProvider()
    world = World(
        tmp_path,
        inference={Provider.BEDROCK: provider, Provider.OPENAI: provider},
        on_demand=True,
        price_overrides={"amazon.titan-text-lite-v1": {"on_demand_input": 0.3, "on_demand_output": 0.4}},
    )
    world.catalog.sync(actor=ADMIN)
    world.catalog.enable(LITE, actor=ADMIN)
    world.catalog.enable("openai:gpt-4o", actor=ADMIN)
    client = TestClient(create_api(lambda: world.services), raise_server_exceptions=False, client=("127.0.0.1", 5000))
    priced = client.post(f"/models/{LITE}/invoke", json=HELLO).json()
    assert priced["Cost"] == pytest.approx(7 / 1000 * 0.3 + 3 / 1000 * 0.4)
    assert client.post("/models/openai:gpt-4o/invoke", json=HELLO).json()["Cost"] is None  # no price known


def test_call_counts_are_written_in_batches_and_at_exit(recorded, monkeypatch: pytest.MonkeyPatch) -> None:
    """Counts wait in memory for at most COUNT_FLUSH_SECONDS (a write per call serialised callers);
    what is in memory is written by flush (at exit) and read by usage()."""
    import services.inference.service as inference

    world, _provider, client = recorded
    world.catalog.enable(LITE, actor=ADMIN)
    for _ in range(3):
        assert client.post(f"/models/{LITE}/invoke", json=HELLO).status_code == 200
    assert world.store.usage.call_counts(LITE) == []  # not written yet: one write for all three, later
    world.services.inference.flush()
    (row,) = world.store.usage.call_counts(LITE)
    assert row.calls == 3
    monkeypatch.setattr(inference, "COUNT_FLUSH_SECONDS", 0.0)
    assert client.post(f"/models/{LITE}/invoke", json=HELLO).status_code == 200
    assert world.store.usage.call_counts(LITE)[0].calls == 4  # the interval passed: written with the call
