"""Calling models through Model Studio, the platform's one way in: GREEN models only.

- POST /api/models/{id}/invoke: Model Studio's own contract (PascalCase).
- GET /api/v1/models and POST /api/v1/chat/completions: OpenAI-compatible, so any OpenAI SDK pointed
  at /api/v1 (with a Model Studio API token as its key) works, streaming included.
Every refusal is decided by services/inference/service.py before the provider hears of the call.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator
from typing import Annotated, Literal

import orjson
from fastapi import APIRouter
from fastapi.responses import Response, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from api.deps import Call, Svc, Who
from api.errors import ERRORS
from api.schemas import Pascal
from services.domain.actions import Action
from services.domain.calls import request_metadata
from services.domain.errors import InvalidRequest, ServiceError
from services.inference.service import MAX_LONG_TEXT, MAX_MESSAGES, Answer, ChatMessage, ChatRequest

router = APIRouter(tags=["inference"])


class InvokeMessage(Pascal):
    Role: Literal["user", "assistant"]
    Content: str = Field(max_length=MAX_LONG_TEXT)


class Invoke(Pascal):
    Messages: list[InvokeMessage] = Field(min_length=1, max_length=MAX_MESSAGES)
    System: str = Field("", max_length=MAX_LONG_TEXT)
    MaxTokens: int = Field(512, ge=1, le=8192)
    Temperature: float = Field(0.7, ge=0.0, le=1.0)


class InvokeOut(BaseModel):
    ModelId: str
    Output: str
    InputTokens: int
    OutputTokens: int
    LatencyMs: float
    Cost: float | None
    Simulated: bool


@router.post("/models/{model_id}/invoke", response_model=InvokeOut, responses=ERRORS)
async def invoke(model_id: str, body: Invoke, call: Call) -> InvokeOut:
    s, actor, generations = call.services, call.actor, call.generations
    request = ChatRequest(
        messages=tuple(ChatMessage(role=m.Role, content=m.Content) for m in body.Messages),
        system=body.System,
        max_tokens=body.MaxTokens,
        temperature=body.Temperature,
    )
    answer = await call.model_calls().call(s.inference.chat, model_id, request, actor, Action.INVOKE, generations)
    return InvokeOut(
        ModelId=answer.model_id,
        Output=answer.output,
        InputTokens=answer.input_tokens,
        OutputTokens=answer.output_tokens,
        LatencyMs=answer.latency_ms,
        Cost=answer.cost,
        Simulated=answer.simulated,
    )


class UsageDay(BaseModel):
    Day: str
    Calls: int
    Failures: int
    Refused: int
    InputTokens: int
    OutputTokens: int
    MeanLatencyMs: float | None


class UsageOut(BaseModel):
    ModelId: str
    Days: list[UsageDay]
    Calls: int
    Failures: int
    Refused: int
    InputTokens: int
    OutputTokens: int


@router.get("/models/{model_id}/usage", response_model=UsageOut, responses=ERRORS)
def usage(model_id: str, s: Svc, actor: Who, days: Annotated[int, Field(ge=1, le=366)] = 30) -> UsageOut:
    """Every call through Model Studio to this model, per day (UTC): answered, failed, refused."""
    s.catalog.get_model(model_id)  # 404 for a model that does not exist
    found = s.inference.usage(model_id, days)
    return UsageOut(
        ModelId=model_id,
        Days=[
            UsageDay(
                Day=d.day,
                Calls=d.calls,
                Failures=d.failures,
                Refused=d.refused,
                InputTokens=d.input_tokens,
                OutputTokens=d.output_tokens,
                MeanLatencyMs=round(d.latency_ms / d.calls, 3) if d.calls else None,
            )
            for d in found.days
        ],
        Calls=int(found.total("calls")),
        Failures=int(found.total("failures")),
        Refused=int(found.total("refused")),
        InputTokens=int(found.total("input_tokens")),
        OutputTokens=int(found.total("output_tokens")),
    )


# ---- OpenAI-compatible -------------------------------------------------------------------------------
class OpenAIMessage(BaseModel):
    model_config = ConfigDict(extra="ignore")  # name, tool_calls…: not used

    role: Literal["system", "developer", "user", "assistant"]
    content: str | list[dict[str, object]] = Field(max_length=MAX_LONG_TEXT)


class ChatCompletion(BaseModel):
    model_config = ConfigDict(extra="ignore")  # OpenAI's many optional knobs: the ones we do not serve

    model: str = Field(min_length=1, max_length=2048)
    messages: list[OpenAIMessage] = Field(min_length=1, max_length=MAX_MESSAGES)
    max_tokens: Annotated[int, Field(ge=1, le=8192)] | None = None
    max_completion_tokens: Annotated[int, Field(ge=1, le=8192)] | None = None
    temperature: Annotated[float, Field(ge=0.0, le=2.0)] | None = None
    stream: bool = False
    metadata: dict[str, object] | None = Field(None, description="Logged with the call (Bedrock's requestMetadata).")


def _text(content: str | list[dict[str, object]]) -> str:
    if isinstance(content, str):
        return content
    return "".join(str(part.get("text", "")) for part in content if part.get("type") == "text")


def _request(body: ChatCompletion) -> ChatRequest:
    """Bedrock's shape of an OpenAI chat: the system and developer messages joined as the system
    prompt, the user and assistant turns as the conversation. What it cannot be is refused with the
    field that is wrong (never a 500)."""
    system = "\n".join(_text(m.content) for m in body.messages if m.role in ("system", "developer"))
    if len(system) > MAX_LONG_TEXT:
        raise InvalidRequest(
            f"messages: the system and developer messages together are {len(system):,} characters; "
            f"at most {MAX_LONG_TEXT:,}."
        )
    turns = []
    for i, m in enumerate(body.messages):
        if m.role in ("user", "assistant"):
            text = _text(m.content)
            if len(text) > MAX_LONG_TEXT:
                raise InvalidRequest(f"messages[{i}].content: {len(text):,} characters; at most {MAX_LONG_TEXT:,}.")
            turns.append(ChatMessage(role=m.role, content=text))
    if not turns:
        raise InvalidRequest("messages: at least one user message is needed (the model answers the last one).")
    temperature = 0.7 if body.temperature is None else min(1.0, body.temperature)  # Bedrock's range is 0-1
    return ChatRequest(
        messages=tuple(turns), system=system, max_tokens=body.max_completion_tokens or body.max_tokens or 512,
        temperature=temperature, metadata=request_metadata(body.metadata),
    )  # fmt: skip


@router.get("/v1/models")
async def openai_models(s: Svc, actor: Who) -> dict[str, object]:
    """The models a caller may use now: GREEN ones only."""
    views = s.inference.invocable(s.catalog.list_models())
    created = int(time.time())
    return {
        "object": "list",
        "data": [
            {
                "id": v.id,
                "object": "model",
                "created": int(v.record.provider_created.timestamp()) if v.record.provider_created else created,
                "owned_by": v.record.vendor,
            }
            for v in views
        ],
    }


def _usage(answer: Answer) -> dict[str, int]:
    return {
        "prompt_tokens": answer.input_tokens,
        "completion_tokens": answer.output_tokens,
        "total_tokens": answer.input_tokens + answer.output_tokens,
    }


@router.post("/v1/chat/completions", response_model=None)
async def openai_chat(body: ChatCompletion, call: Call) -> Response:
    s, actor, generations, calls = call.services, call.actor, call.generations, call.model_calls()
    request = _request(body)
    completion_id = f"chatcmpl-{uuid.uuid4().hex}"
    created = int(time.time())
    if not body.stream:
        answer = await calls.call(s.inference.chat, body.model, request, actor, Action.INVOKE, generations)
        completion = {
            "id": completion_id,
            "object": "chat.completion",
            "created": created,
            "model": body.model,
            "choices": [
                {"index": 0, "message": {"role": "assistant", "content": answer.output}, "finish_reason": "stop"}
            ],
            "usage": _usage(answer),
        }
        return Response(orjson.dumps(completion), media_type="application/json")  # no encoder pass over a dict
    pieces = calls.stream(lambda: s.inference.stream(body.model, request, actor, Action.INVOKE, generations))
    await anext(pieces)  # OPENED, or the refusal raised here, before any byte is sent

    def chunk(delta: dict[str, str], finish: str | None = None, usage: dict[str, int] | None = None) -> bytes:
        payload: dict[str, object] = {
            "id": completion_id,
            "object": "chat.completion.chunk",
            "created": created,
            "model": body.model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        }
        if usage is not None:
            payload["usage"] = usage
        return b"data: " + orjson.dumps(payload) + b"\n\n"

    async def events() -> AsyncIterator[bytes]:
        yield chunk({"role": "assistant", "content": ""})
        try:
            async for piece in pieces:
                if isinstance(piece, Answer):
                    yield chunk({}, "stop", _usage(piece))
                elif isinstance(piece, str):
                    yield chunk({"content": piece})
        except ServiceError as exc:  # mid-stream: the status is sent already; say it in the stream
            yield b"data: " + orjson.dumps({"error": {"message": str(exc), "type": exc.code}}) + b"\n\n"
        yield b"data: [DONE]\n\n"

    return StreamingResponse(events(), media_type="text/event-stream")
