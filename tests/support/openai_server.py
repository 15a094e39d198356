"""A real OpenAI-compatible HTTP server on loopback (as Ollama, vLLM or llama.cpp serve one): it answers
chat completions (at once, or after a set delay), streamed or not, echoing the last user message, and records every request."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class _Handler(BaseHTTPRequestHandler):
    server: Any

    def log_message(self, *args: object) -> None:  # quiet
        pass

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.requests.append(body)
        if self.server.delay:
            time.sleep(self.server.delay)  # a model that takes this long to answer
        answer = "echo: " + body["messages"][-1]["content"]
        usage = {"prompt_tokens": 5, "completion_tokens": 2, "total_tokens": 7}
        base = {"id": "chatcmpl-1", "created": 0, "model": body["model"]}
        if not body.get("stream"):
            payload = base | {
                "object": "chat.completion",
                "choices": [{"index": 0, "message": {"role": "assistant", "content": answer}, "finish_reason": "stop"}],
                "usage": usage,
            }
            data = json.dumps(payload).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        chunk = base | {"object": "chat.completion.chunk"}
        for word in answer.split(" "):
            if self.server.chunk_delay:
                time.sleep(self.server.chunk_delay)  # a model that streams its answer slowly
            delta = {"choices": [{"index": 0, "delta": {"content": word + " "}, "finish_reason": None}]}
            self.wfile.write(b"data: " + json.dumps(chunk | delta).encode() + b"\n\n")
            self.wfile.flush()
        self.wfile.write(b"data: " + json.dumps(chunk | {"choices": [], "usage": usage}).encode() + b"\n\n")
        self.wfile.write(b"data: [DONE]\n\n")


class _Server(ThreadingHTTPServer):
    request_queue_size = 256  # a burst of calls at once is queued, not refused (socketserver's default is 5)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A caller that hung up mid-answer (a stream ended early) is no error of the server's."""
        import sys

        if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            super().handle_error(request, client_address)


@contextmanager
def openai_server(delay_seconds: float = 0.0, chunk_delay_seconds: float = 0.0) -> Iterator[Any]:
    """Yields the server: ``.url`` (its /v1 base URL) and ``.requests`` (the bodies it received); each
    answer takes ``delay_seconds``, and each streamed word ``chunk_delay_seconds`` more."""
    server = _Server(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    server.requests = []  # type: ignore[attr-defined]
    server.delay = delay_seconds  # type: ignore[attr-defined]
    server.chunk_delay = chunk_delay_seconds  # type: ignore[attr-defined]
    server.url = f"http://127.0.0.1:{server.server_address[1]}/v1"  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


if __name__ == "__main__":  # a server in a process of its own: python -m tests.support.openai_server [delay seconds]
    import sys

    with openai_server(float(sys.argv[1]) if len(sys.argv) > 1 else 0.0) as running:
        print(running.url, flush=True)
        threading.Event().wait()
