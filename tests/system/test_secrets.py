"""Secrets (AWS keys, the OpenAI key, API tokens) never reach logs or pages."""

from __future__ import annotations

import io
import logging
from pathlib import Path

import orjson
import pytest
from fastapi.testclient import TestClient

from api.app import create_api
from services.customization import NewCustomModel, Upload
from services.settings import load_settings
from tests.support.factories import LLAMA
from tests.support.fakes import ADMIN, World

OPENAI_KEY = "sk-live-very-secret-openai-key-123"
AWS_SECRET = "aws-very-secret-access-key-456"


def test_a_full_lifecycle_logs_no_secret(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("STUDIO_OPENAI_API_KEY", OPENAI_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", AWS_SECRET)
    caplog.set_level(logging.DEBUG)
    settings = load_settings()
    logging.getLogger("test").info("settings: %r %s", settings, settings)
    world = World(tmp_path)
    _, token = world.services.tokens.create("mia@example.com", "member", "laptop")
    client = TestClient(create_api(lambda: world.services), raise_server_exceptions=False, client=("10.0.0.1", 1))
    world.catalog.sync(actor=ADMIN)
    world.catalog.enable(LLAMA, actor=ADMIN)
    raw = b"".join(orjson.dumps({"prompt": f"q{i}", "completion": "a"}) + b"\n" for i in range(120))
    model = world.customization.create(
        NewCustomModel(name="bot", base_model_id=LLAMA),
        Upload("t.jsonl", io.BytesIO(raw), len(raw)),
        actor=ADMIN,
    )
    world.clock.advance(seconds=61)
    client.get(f"/custom-models/{model.id}", headers={"Authorization": f"Bearer {token}"})
    client.get("/models", headers={"Authorization": "Bearer mst_wrong"})
    world.customization.provision_throughput(model.id, actor=ADMIN)
    world.customization.remove_throughput(model.id, actor=ADMIN)
    world.customization.delete(model.id, actor=ADMIN)
    everything = caplog.text + repr(settings) + str(settings) + repr(world.store.audit.audit_events())
    for secret in (OPENAI_KEY, AWS_SECRET, token):
        assert secret not in everything
    assert "settings:" in caplog.text  # the log was captured at all
