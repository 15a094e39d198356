"""OpenAICatalog with the real SDK against a local fake HTTP server (the SDK's own httpx is
not the one respx patches, so a real socket is the honest way)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import openai
import pytest

from services.adapters.openai_catalog import OpenAICatalog
from services.domain.errors import ProviderDataError, ProviderUnavailable
from services.domain.models import Lifecycle


class FakeOpenAI:
    def __init__(self) -> None:
        self.status = 200
        self.body: Any = {"object": "list", "data": []}
        self.requests: list[tuple[str, str | None]] = []
        handler = self._handler()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                fake.requests.append((self.path, self.headers.get("Authorization")))
                raw = fake.body if isinstance(fake.body, bytes) else json.dumps(fake.body).encode()
                self.send_response(fake.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def log_message(self, *args: object) -> None:
                pass

        return Handler

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}/v1"


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    server = FakeOpenAI()
    server.thread.start()
    yield server
    server.server.shutdown()
    server.server.server_close()


def catalog_for(base_url: str) -> OpenAICatalog:
    return OpenAICatalog(openai.OpenAI(api_key="sk-test", base_url=base_url, max_retries=0, timeout=3))


def test_models_are_listed_with_traits_inferred_from_their_ids(fake: FakeOpenAI) -> None:
    fake.body = {
        "object": "list",
        "data": [
            {"id": "gpt-4o-2024-08-06", "object": "model", "created": 1722814719, "owned_by": "system"},
            {"id": "text-embedding-3-small", "object": "model", "created": 1705948997, "owned_by": "system"},
            {"id": "whisper-1", "object": "model", "created": 1677532384, "owned_by": "openai-internal"},
            {
                "id": "ft:gpt-4o-mini:acme::abc",
                "object": "model",
                "created": 1730000000,
                "owned_by": "acme-org",
            },
            {
                "id": "gpt-3.5-turbo-0613",
                "object": "model",
                "created": 1686587434,
                "owned_by": "openai",
                "shutdown_date": "2025-09-13",
            },
        ],
    }
    models = {m.model_id: m for m in catalog_for(fake.base_url).fetch()}
    assert fake.requests == [("/v1/models", "Bearer sk-test")]
    gpt = models["gpt-4o-2024-08-06"]
    assert gpt.vendor == "OpenAI" and gpt.chat and gpt.customizations == ("FINE_TUNING",)
    assert gpt.input_modalities == ("TEXT", "IMAGE") and gpt.provider_created.year == 2024
    assert models["text-embedding-3-small"].output_modalities == ("EMBEDDING",)
    assert models["whisper-1"].input_modalities == ("AUDIO",)
    assert models["ft:gpt-4o-mini:acme::abc"].vendor == "acme-org"
    assert models["gpt-3.5-turbo-0613"].lifecycle is Lifecycle.LEGACY


@pytest.mark.parametrize(
    ("record", "message"),
    [
        ({"object": "model", "created": 1, "owned_by": "system"}, r"model #2: missing field\(s\) id"),
        (
            {"id": "gpt-x", "object": "model", "owned_by": "system"},
            r"model #2 \(gpt-x\): missing field\(s\) created",
        ),
        (
            {"id": "gpt-x", "object": "model", "created": "yesterday", "owned_by": "system"},
            "'created' should be a Unix time",
        ),
    ],
)
def test_missing_or_malformed_fields_are_named(fake: FakeOpenAI, record: dict[str, Any], message: str) -> None:
    fake.body = {
        "object": "list",
        "data": [{"id": "gpt-4o", "object": "model", "created": 1, "owned_by": "system"}, record],
    }
    with pytest.raises(ProviderDataError, match=message):
        catalog_for(fake.base_url).fetch()


def test_a_refused_key_says_which_setting_to_check(fake: FakeOpenAI) -> None:
    fake.status = 401
    fake.body = {"error": {"message": "Incorrect API key provided", "type": "invalid_request_error"}}
    with pytest.raises(ProviderUnavailable, match="STUDIO_OPENAI_API_KEY"):
        catalog_for(fake.base_url).fetch()


def test_a_server_error_is_provider_unavailable(fake: FakeOpenAI) -> None:
    fake.status = 503
    fake.body = {"error": {"message": "overloaded"}}
    with pytest.raises(ProviderUnavailable, match="HTTP 503"):
        catalog_for(fake.base_url).fetch()


def test_an_unreachable_server_is_provider_unavailable() -> None:
    with pytest.raises(ProviderUnavailable, match=r"Cannot reach OpenAI at http://127\.0\.0\.1:9"):
        catalog_for("http://127.0.0.1:9/v1").fetch()
