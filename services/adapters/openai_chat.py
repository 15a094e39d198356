"""OpenAI's chat completions (OpenAI itself, or any OpenAI-compatible server: Ollama, vLLM, llama.cpp), called
over one pool of kept-alive connections (urllib3: about half the time per call of httpx's client, measured in
bench/gateway.py's profiles): the request written once with orjson, the answer (or each streamed
event) read with orjson, and nothing rebuilt into SDK objects on the way. On the gateway's path this is most
of what a call costs in Python, so it is kept to that.

Errors as the SDK would say them, in Model Studio's words: 429 is throttling (retried, up to ``retries``
times, after its Retry-After or a short backoff, as OpenAI's own SDK does), a connection that fails or times
out is the provider being unavailable, any other error status is a refused call with its status.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import orjson
import urllib3
from urllib3.exceptions import HTTPError, NewConnectionError, TimeoutError

from services.domain.calls import ChatRequest, Reply, Target
from services.domain.errors import ModelCallFailed, ProviderThrottled, ProviderUnavailable

OPENAI_URL = "https://api.openai.com/v1"
RETRIED = frozenset({408, 409, 429, 500, 502, 503, 504})  # what OpenAI's SDK retries
MAX_BACKOFF_SECONDS = 8.0


def _lines(response: urllib3.BaseHTTPResponse) -> Iterator[bytes]:
    """The stream's lines as they arrive (``read1``: what has come, not a full buffer's worth)."""
    pending = b""
    while chunk := response.read1(65536):
        pending += chunk
        *lines, pending = pending.split(b"\n")
        yield from lines
    if pending:
        yield pending


class OpenAIChat:
    """The InferenceBackend for OpenAI models (and any OpenAI-compatible server)."""

    def __init__(
        self,
        base_url: str | None,
        api_key: str,
        model: str | None = None,
        *,
        timeout: float = 60.0,
        retries: int = 0,
    ) -> None:
        self._url = (base_url or OPENAI_URL).rstrip("/") + "/chat/completions"
        self._model = model  # one model name for every call (a local server's), or each model's own id
        self._retries = retries
        self._headers = {"Authorization": f"Bearer {api_key}", "Content-Type": "application/json"}
        self._pool = urllib3.PoolManager(
            maxsize=256, timeout=urllib3.Timeout(connect=min(10.0, timeout), read=timeout), retries=False
        )

    def _body(self, target: Target, request: ChatRequest, stream: bool) -> bytes:
        messages = [{"role": "system", "content": request.system}] if request.system else []
        messages += [{"role": m.role, "content": m.content} for m in request.messages]
        body: dict[str, Any] = {
            "model": self._model or target.provider_model_id,
            "messages": messages,
            "max_tokens": request.max_tokens,
            "temperature": request.temperature,
        }
        if stream:
            body |= {"stream": True, "stream_options": {"include_usage": True}}
        return orjson.dumps(body)

    def _refused(self, target: Target, status: int) -> Exception:
        if status == 429:
            return ProviderThrottled(f"OpenAI is throttling calls to {target.name}; retry in a few seconds.")
        return ModelCallFailed(f"OpenAI refused the call to {target.name} ({status}).")

    def _wait(self, attempt: int, response: urllib3.BaseHTTPResponse) -> None:
        try:
            seconds = float(response.headers.get("retry-after", ""))
        except ValueError:
            seconds = 0.5 * 2**attempt
        time.sleep(min(MAX_BACKOFF_SECONDS, max(0.0, seconds)))

    def _send(self, target: Target, body: bytes, stream: bool) -> urllib3.BaseHTTPResponse:
        """The answer's response, its status 200 (its body still to be read when streaming)."""
        for attempt in range(self._retries + 1):
            try:
                response = self._pool.request(
                    "POST", self._url, body=body, headers=self._headers, preload_content=not stream
                )
            except NewConnectionError as exc:  # (urllib3 counts it a timeout too: said first)
                raise ProviderUnavailable(f"OpenAI could not be reached: {exc}") from exc
            except TimeoutError as exc:
                raise ProviderUnavailable(f"OpenAI did not answer in time for {target.name}: {exc}") from exc
            except HTTPError as exc:
                raise ProviderUnavailable(f"OpenAI could not be reached: {exc}") from exc
            if response.status == 200:
                return response
            response.drain_conn()
            response.release_conn()
            if response.status not in RETRIED or attempt == self._retries:
                raise self._refused(target, response.status)
            self._wait(attempt, response)
        raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises

    def chat(self, target: Target, request: ChatRequest) -> Reply:
        response = self._send(target, self._body(target, request, stream=False), stream=False)
        try:
            answer = orjson.loads(response.data)
            usage = answer.get("usage") or {}
            text = (answer["choices"][0].get("message") or {}).get("content") or ""
        except (orjson.JSONDecodeError, KeyError, IndexError, TypeError, AttributeError) as exc:
            raise ModelCallFailed(f"OpenAI's answer for {target.name} could not be read ({exc}).") from exc
        return Reply(text, int(usage.get("prompt_tokens") or 0), int(usage.get("completion_tokens") or 0))

    def stream(self, target: Target, request: ChatRequest) -> Iterator[str | Reply]:
        response = self._send(target, self._body(target, request, stream=True), stream=True)
        parts: list[str] = []
        prompt_tokens = completion_tokens = 0
        try:
            for line in _lines(response):
                if not line.startswith(b"data:"):
                    continue
                data = line[5:].strip()
                if data == b"[DONE]":
                    break
                try:
                    event = orjson.loads(data)
                except orjson.JSONDecodeError as exc:
                    raise ModelCallFailed(f"OpenAI's stream for {target.name} could not be read ({exc}).") from exc
                if "error" in event:
                    raise ModelCallFailed(f"OpenAI ended the stream for {target.name}: {event['error']}")
                choices = event.get("choices") or []
                content = (choices[0].get("delta") or {}).get("content") if choices else None
                if content:
                    parts.append(content)
                    yield content
                if usage := event.get("usage"):
                    prompt_tokens = int(usage.get("prompt_tokens") or 0)
                    completion_tokens = int(usage.get("completion_tokens") or 0)
        except HTTPError as exc:
            raise ProviderUnavailable(f"OpenAI's stream for {target.name} broke off: {exc}") from exc
        finally:
            response.release_conn()
        yield Reply("".join(parts), prompt_tokens, completion_tokens)
