"""The servers bench/gateway.py puts beside Model Studio, each run in a process of its own:

  upstream  an OpenAI-compatible model that answers at once (plain, or streamed in 8 events): a bare ASGI
            app on uvicorn, so that what is measured in front of it is the gateway, not the model
  static    the same JSON answers Model Studio gave, served by bare Starlette (bench/load.py's floor)
  floor     what the same Python stack does with nothing in the way: bare Starlette on uvicorn, a token
            check (its SHA-256 in a set), and the body forwarded with one pooled httpx client, the answer
            (or the stream) passed back as it came

Run: .venv/bin/python bench/gateway_servers.py upstream --port 9001
     .venv/bin/python bench/gateway_servers.py floor --port 9002 --upstream http://127.0.0.1:9001/v1 --token T
"""

from __future__ import annotations

import argparse
import hashlib
from collections.abc import AsyncIterator
from typing import Any

import orjson
import uvicorn

WORDS = ("Paris", "is", "the", "capital", "and", "largest", "city", "of France.")
USAGE = {"prompt_tokens": 12, "completion_tokens": 8, "total_tokens": 20}


def _answer(model: str) -> bytes:
    return orjson.dumps(
        {
            "id": "chatcmpl-bench",
            "object": "chat.completion",
            "created": 0,
            "model": model,
            "choices": [
                {"index": 0, "message": {"role": "assistant", "content": " ".join(WORDS)}, "finish_reason": "stop"}
            ],
            "usage": USAGE,
        }
    )


def _events(model: str) -> list[bytes]:
    base = {"id": "chatcmpl-bench", "object": "chat.completion.chunk", "created": 0, "model": model}
    events = [
        base | {"choices": [{"index": 0, "delta": {"content": word + " "}, "finish_reason": None}]} for word in WORDS
    ]
    events.append(base | {"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}], "usage": USAGE})
    return [b"data: " + orjson.dumps(e) + b"\n\n" for e in events] + [b"data: [DONE]\n\n"]


async def upstream(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    body = b""
    more = True
    while more:
        message = await receive()
        body += message.get("body", b"")
        more = message.get("more_body", False)
    ask = orjson.loads(body or b"{}")
    model = str(ask.get("model", "bench"))
    if not ask.get("stream"):
        data = _answer(model)
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": data})
        return
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/event-stream")]})
    for event in _events(model):
        await send({"type": "http.response.body", "body": event, "more_body": True})
    await send({"type": "http.response.body", "body": b""})


def floor(upstream_url: str, token: str) -> Any:
    import httpx
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse, Response, StreamingResponse
    from starlette.routing import Route

    tokens = {hashlib.sha256(token.encode()).hexdigest()}
    client = httpx.AsyncClient(base_url=upstream_url, limits=httpx.Limits(max_connections=512), timeout=60)

    async def chat(request: Request) -> Response:
        bearer = request.headers.get("authorization", "").removeprefix("Bearer ")
        if hashlib.sha256(bearer.encode()).hexdigest() not in tokens:
            return JSONResponse({"error": {"message": "unknown token"}}, status_code=401)
        body = await request.body()
        headers = {"content-type": "application/json"}
        if not orjson.loads(body).get("stream"):
            answer = await client.post("/chat/completions", content=body, headers=headers)
            return Response(answer.content, answer.status_code, media_type="application/json")
        upstream_request = client.build_request("POST", "/chat/completions", content=body, headers=headers)
        opened = await client.send(upstream_request, stream=True)

        async def pieces() -> AsyncIterator[bytes]:
            try:
                async for piece in opened.aiter_raw():
                    yield piece
            finally:
                await opened.aclose()

        return StreamingResponse(pieces(), opened.status_code, media_type="text/event-stream")

    return Starlette(routes=[Route("/v1/chat/completions", chat, methods=["POST"])])


def static(answers_file: str) -> Any:
    """The same JSON as Model Studio answered, served by bare Starlette: the floor of a REST read."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    answers: dict[str, str] = orjson.loads(open(answers_file, "rb").read())  # noqa: SIM115 - read once at start

    async def answer(request: Request) -> Response:
        path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        found = answers.get(f"{request.method} {path}", answers.get(f"{request.method} {request.url.path}", "{}"))
        return Response(found.encode(), media_type="application/json")

    return Starlette(routes=[Route("/{path:path}", answer, methods=["GET", "POST"])])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("server", choices=("upstream", "floor", "static"))
    parser.add_argument("--answers", help="static: a JSON file of 'METHOD /path?query' -> the JSON answered")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--upstream", help="the floor's upstream (its /v1 base URL)")
    parser.add_argument("--token", default="", help="the one token the floor accepts")
    args = parser.parse_args()
    if args.server == "upstream":
        app: Any = upstream
    elif args.server == "floor":
        app = floor(args.upstream, args.token)
    else:
        app = static(args.answers)
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning", access_log=False, backlog=2048)


if __name__ == "__main__":
    main()
