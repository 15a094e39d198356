"""A real HTTP grader on loopback, as a team would run one while developing its grader Lambda: it takes the
samples a grader Lambda takes and answers with their rewards (exact match against reference_answer.answer),
or with what a broken grader answers (``mode``). It keeps what it was sent."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class GraderServer:
    def __init__(self, mode: str = "ok") -> None:
        self.mode = mode  # "ok" | "500" | "not-a-list" | "redirect"
        self.batches: list[list[dict[str, Any]]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
                outer.batches.append(body)
                if outer.mode == "redirect":
                    self.send_response(307)
                    self.send_header("Location", "http://169.254.169.254/latest/meta-data/")
                    self.end_headers()
                    return
                if outer.mode == "500":
                    self._send(500, b"grader crashed")
                    return
                if outer.mode == "not-a-list":
                    self._send(200, b'{"score": 1}')
                    return
                scores = []
                for item in body:
                    answer = item["messages"][-1]["content"]
                    reference = item.get("reference_answer") or {}
                    want = reference.get("answer") if isinstance(reference, dict) else reference
                    scores.append({"id": item["id"], "aggregate_reward_score": 1.0 if answer == str(want) else 0.0})
                self._send(200, json.dumps(scores).encode())

            def _send(self, code: int, data: bytes) -> None:
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/grade"


@contextmanager
def grader_server(mode: str = "ok") -> Iterator[GraderServer]:
    grader = GraderServer(mode)
    thread = threading.Thread(target=grader.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield grader
    finally:
        grader.server.shutdown()
        grader.server.server_close()
