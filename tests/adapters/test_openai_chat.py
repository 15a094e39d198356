"""The OpenAI-compatible path (OpenAI itself, or a local server through STUDIO_LOCAL_INFERENCE_URL)
against a real HTTP server on loopback, wired by build_services as in production."""

from __future__ import annotations

from pathlib import Path

from services.bootstrap import build_services
from services.inference.service import ChatMessage, ChatRequest
from services.settings import load_settings
from tests.support.fakes import ADMIN
from tests.support.openai_server import openai_server

LITE = "bedrock:amazon.titan-text-lite-v1:0:4k"


def test_a_local_openai_compatible_server_answers_for_real(tmp_path: Path) -> None:
    with openai_server() as server:
        settings = load_settings(data_dir=tmp_path, local_inference_url=server.url, local_inference_model="llama3.2:1b")
        services = build_services(settings)
        services.start(background=False)  # the catalog filled, as the server starts it
        services.catalog.enable(LITE, actor=ADMIN)
        request = ChatRequest(
            messages=(ChatMessage(role="user", content="Hello there"),), system="Be brief.", max_tokens=32
        )
        answer = services.inference.chat(LITE, request, ADMIN)
        assert (answer.output, answer.input_tokens, answer.output_tokens) == ("echo: Hello there", 5, 2)
        assert answer.simulated is False
        sent = server.requests[-1]
        assert sent["model"] == "llama3.2:1b" and sent["max_tokens"] == 32
        assert sent["messages"] == [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "Hello there"},
        ]
        pieces = list(services.inference.stream(LITE, request, ADMIN))
        *text, done = pieces
        assert "".join(text).strip() == "echo: Hello there" and done.output_tokens == 2
        assert server.requests[-1]["stream"] is True
