"""The OpenAI-compatible path (OpenAI itself, or a local server through STUDIO_LOCAL_INFERENCE_URL)
against a real HTTP server on loopback, wired by build_services as in production."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from services.adapters.openai_chat import OpenAIChat
from services.bootstrap import build_services
from services.domain.calls import Target
from services.domain.errors import ModelCallFailed, ProviderThrottled, ProviderUnavailable
from services.domain.models import Provider
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


# ---- errors, over real HTTP: a server that answers what each test scripts ---------------------------------
class _Scripted(BaseHTTPRequestHandler):
    server: Any

    def log_message(self, *args: object) -> None:
        pass

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        status, headers, body = self.server.script.pop(0)
        self.server.seen += 1
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@contextmanager
def scripted(*answers: tuple[int, dict[str, str], bytes]) -> Iterator[Any]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Scripted)
    server.script, server.seen = list(answers), 0  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


TARGET = Target("openai:gpt-x", "GPT X", Provider.OPENAI, "gpt-x")
ASK = ChatRequest(messages=(ChatMessage(role="user", content="Hi"),), max_tokens=8)
OK = (200, {"Content-Type": "application/json"}, b'{"choices":[{"message":{"content":"Hello"}}],"usage":{}}')


def url(server: Any) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}/v1"


def test_throttling_is_retried_after_its_retry_after_then_said_in_words() -> None:
    with scripted((429, {"Retry-After": "0"}, b"{}"), OK) as server:
        reply = OpenAIChat(url(server), "k", retries=2).chat(TARGET, ASK)
        assert (reply.text, reply.input_tokens, server.seen) == ("Hello", 0, 2)
    with scripted(*[(429, {"Retry-After": "0"}, b"{}")] * 3) as server:
        with pytest.raises(ProviderThrottled, match="throttling calls to GPT X"):
            OpenAIChat(url(server), "k", retries=2).chat(TARGET, ASK)
        assert server.seen == 3  # the first try and two retries


def test_an_error_status_a_broken_answer_and_no_server_are_said_in_words() -> None:
    with scripted((400, {}, b'{"error": {"message": "bad"}}')) as server:
        with pytest.raises(ModelCallFailed, match=r"refused the call to GPT X \(400\)"):
            OpenAIChat(url(server), "k", retries=2).chat(TARGET, ASK)
        assert server.seen == 1  # a refusal is not retried
    broken = (200, {"Content-Type": "application/json"}, b"not json")
    with scripted(broken) as server, pytest.raises(ModelCallFailed, match="could not be read"):
        OpenAIChat(url(server), "k").chat(TARGET, ASK)
    failed = (200, {"Content-Type": "text/event-stream"}, b'data: {"error": {"message": "overloaded"}}\n\n')
    with scripted(failed) as server, pytest.raises(ModelCallFailed, match="ended the stream for GPT X"):
        list(OpenAIChat(url(server), "k").stream(TARGET, ASK))
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    with pytest.raises(ProviderUnavailable, match="could not be reached"):
        OpenAIChat(f"http://127.0.0.1:{port}/v1", "k").chat(TARGET, ASK)
