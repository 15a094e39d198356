"""Calling a model: the request, its target, the reply, and the counts kept of calls."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Literal, NamedTuple

from pydantic import BaseModel, ConfigDict, Field

from services.domain.custom import CustomModel
from services.domain.errors import InvalidRequest
from services.domain.models import Provider

MAX_MESSAGES = 200
MAX_LONG_TEXT = 200_000  # characters in one message or system prompt


class ChatMessage(BaseModel):
    model_config = ConfigDict(frozen=True)

    role: Literal["user", "assistant"]
    content: Annotated[str, Field(max_length=MAX_LONG_TEXT)]


class ChatRequest(BaseModel):
    """One chat: the conversation so far (the user's turn last), a system prompt, parameters."""

    model_config = ConfigDict(frozen=True)

    messages: Annotated[tuple[ChatMessage, ...], Field(min_length=1, max_length=MAX_MESSAGES)]
    system: Annotated[str, Field(max_length=MAX_LONG_TEXT)] = ""
    max_tokens: Annotated[int, Field(ge=1, le=8192)] = 512
    temperature: Annotated[float, Field(ge=0.0, le=1.0)] = 0.7
    # key-value pairs Bedrock logs with the call (Converse's requestMetadata): what a distillation filters on
    metadata: Annotated[tuple[tuple[str, str], ...], Field(max_length=16)] = ()

    def check(self) -> None:
        if self.messages[-1].role != "user":
            raise InvalidRequest("the last message must be the user's: the model answers it")


# Converse's requestMetadata (botocore): at most 16 pairs; keys 1-256 and values 0-256 of these characters
METADATA_KEY = re.compile(r"[a-zA-Z0-9\s:_@$#=/+,\-.]{1,256}")
METADATA_VALUE = re.compile(r"[a-zA-Z0-9\s:_@$#=/+,\-.]{0,256}")


def request_metadata(value: object, where: str = "metadata") -> tuple[tuple[str, str], ...]:
    """A call's metadata as Bedrock logs it, or InvalidRequest saying which pair is wrong."""
    if value is None:
        return ()
    if not isinstance(value, dict) or len(value) > 16:
        raise InvalidRequest(f"{where}: an object of at most 16 string pairs (Bedrock's requestMetadata).")
    pairs = []
    for key, text in value.items():
        if not isinstance(key, str) or not METADATA_KEY.fullmatch(key):
            raise InvalidRequest(
                f"{where}: the key {str(key)[:40]!r} must be 1-256 letters, digits, spaces or :_@$#=/+,-."
            )
        if not isinstance(text, str) or not METADATA_VALUE.fullmatch(text):
            raise InvalidRequest(
                f"{where}.{key[:40]}: the value must be a string of 0-256 letters, digits, spaces or :_@$#=/+,-."
            )
        pairs.append((key, text))
    return tuple(pairs)


@dataclass(frozen=True)
class Target:
    """Where a call goes: a provider's model id, a throughput ARN or a deployment ARN."""

    model_id: str  # ours
    name: str
    provider: Provider
    provider_model_id: str  # what the provider is called with
    region: str | None = None
    custom: CustomModel | None = None  # the custom model, for a simulation that answers from its data
    token_prices: tuple[float, float] | None = None  # per 1,000 input and output tokens, when known


@dataclass(frozen=True)
class Reply:
    text: str
    input_tokens: int
    output_tokens: int
    simulated: bool = False


# ---- what calls each model got (every call through services/inference/service.py) -------------------------
class Watched(NamedTuple):
    """A throughput or deployment whose calls are asked about (services/costs/idle.py): our model id, and
    the ARN Bedrock's metrics name it by, in its region."""

    model_id: str
    arn: str
    region: str


class CallCount(BaseModel):
    """One model's calls on one day (UTC): answered, failed at the provider, refused by the rules."""

    model_config = ConfigDict(frozen=True)

    model_id: str
    day: str  # YYYY-MM-DD
    calls: int = 0
    failures: int = 0
    refused: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    latency_ms: float = 0.0  # summed over the answered calls
    last_at: datetime | None = None  # the last answered call

    def plus(self, other: CallCount) -> CallCount:
        """Two counts of one model and day added up, with the later last call (as the store adds them)."""
        times = [t for t in (self.last_at, other.last_at) if t is not None]
        summed: dict[str, Any] = {n: getattr(self, n) + getattr(other, n) for n in CALL_SUMS}
        return self.model_copy(update=summed | {"last_at": max(times) if times else None})


CALL_SUMS = ("calls", "failures", "refused", "input_tokens", "output_tokens", "latency_ms")  # added up per day


class Usage(BaseModel):
    """A model's calls over some days, summed."""

    model_config = ConfigDict(frozen=True)

    model_id: str
    days: tuple[CallCount, ...] = ()

    def total(self, name: str) -> float:
        return float(sum(getattr(d, name) for d in self.days))

    @property
    def last_at(self) -> datetime | None:
        return max((d.last_at for d in self.days if d.last_at is not None), default=None)

    @property
    def mean_latency_ms(self) -> float | None:
        calls = self.total("calls")
        return self.total("latency_ms") / calls if calls else None


# ---- evaluation of a custom model against its base (services/evaluation/service.py) ----------------------
