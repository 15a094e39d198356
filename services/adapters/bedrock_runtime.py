"""Calling models on AWS: Bedrock Runtime Converse / ConverseStream (base models, and custom models
through their throughput or deployment ARN), InvokeModel with an OpenAI-compatible body for an imported model
Converse does not serve (GPT-OSS, Qwen2.5). OpenAI's chat completions: services/adapters/openai_chat.py."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from services.domain.calls import ChatRequest, Reply, Target
from services.domain.errors import ModelCallFailed, ProviderThrottled, ProviderUnavailable

THROTTLED = frozenset({"ThrottlingException", "TooManyRequestsException", "ServiceQuotaExceededException"})
UNAVAILABLE = frozenset({"ServiceUnavailableException", "ModelNotReadyException", "InternalServerException"})


def _converse_args(target: Target, request: ChatRequest) -> dict[str, Any]:
    args: dict[str, Any] = {
        "modelId": target.provider_model_id,
        "messages": [{"role": m.role, "content": [{"text": m.content}]} for m in request.messages],
        "inferenceConfig": {"maxTokens": request.max_tokens, "temperature": request.temperature},
    }
    if request.system:
        args["system"] = [{"text": request.system}]
    if request.metadata:  # logged with the call (invocation logging), where a distillation filters on it
        args["requestMetadata"] = dict(request.metadata)
    return args


def _invoke_only(target: Target) -> bool:
    """An imported model that Converse does not serve: called with InvokeModel (invoke-imported-model.html)."""
    details = target.custom.import_details if target.custom is not None else None
    return details is not None and not details.converse


def _invoke_body(request: ChatRequest) -> bytes:
    """The OpenAI-compatible ChatCompletion body Bedrock takes for such a model."""
    system = [{"role": "system", "content": request.system}] if request.system else []
    messages = system + [{"role": m.role, "content": m.content} for m in request.messages]
    body = {"messages": messages, "max_tokens": request.max_tokens, "temperature": request.temperature}
    return json.dumps(body).encode()


def _refusal(target: Target, exc: ClientError) -> Exception:
    error = exc.response.get("Error", {})
    code, message = error.get("Code", ""), error.get("Message", "")
    if code in THROTTLED:
        return ProviderThrottled(f"Bedrock is throttling calls to {target.name} ({code}); retry in a few seconds.")
    if code in UNAVAILABLE:
        return ProviderUnavailable(f"Bedrock could not answer for {target.name} now ({code}: {message}); retry later.")
    return ModelCallFailed(f"Bedrock refused the call to {target.name} ({code}: {message}).")


class BedrockRuntime:
    """The InferenceBackend for Bedrock: one bedrock-runtime client per region."""

    def __init__(self, client_for: Callable[[str | None], Any]) -> None:
        self._client_for = client_for

    def _invoke(self, target: Target, request: ChatRequest) -> Reply:
        try:
            response = self._client_for(target.region).invoke_model(
                modelId=target.provider_model_id, body=_invoke_body(request), contentType="application/json",
                accept="application/json",
            )  # fmt: skip
            answer = json.loads(response["body"].read())
        except ClientError as exc:
            raise _refusal(target, exc) from exc
        except BotoCoreError as exc:
            raise ProviderUnavailable(f"Bedrock Runtime could not be reached: {exc}") from exc
        except ValueError as exc:
            raise ModelCallFailed(f"{target.name} answered with something other than JSON ({exc}).") from exc
        choices = answer.get("choices") or [{}]
        usage = answer.get("usage") or {}
        text = str((choices[0].get("message") or {}).get("content") or choices[0].get("text") or "")
        return Reply(text, int(usage.get("prompt_tokens", 0)), int(usage.get("completion_tokens", 0)))

    def chat(self, target: Target, request: ChatRequest) -> Reply:
        if _invoke_only(target):
            return self._invoke(target, request)
        try:
            response = self._client_for(target.region).converse(**_converse_args(target, request))
        except ClientError as exc:
            raise _refusal(target, exc) from exc
        except BotoCoreError as exc:
            raise ProviderUnavailable(f"Bedrock Runtime could not be reached: {exc}") from exc
        blocks = response.get("output", {}).get("message", {}).get("content", [])
        usage = response.get("usage", {})
        text = "".join(b.get("text", "") for b in blocks)
        return Reply(text, int(usage.get("inputTokens", 0)), int(usage.get("outputTokens", 0)))

    def stream(self, target: Target, request: ChatRequest) -> Iterator[str | Reply]:
        if _invoke_only(target):  # answered whole, in one piece
            reply = self._invoke(target, request)
            yield reply.text
            yield reply
            return
        try:
            response = self._client_for(target.region).converse_stream(**_converse_args(target, request))
            parts: list[str] = []
            usage: dict[str, Any] = {}
            for event in response["stream"]:
                if "contentBlockDelta" in event:
                    piece = event["contentBlockDelta"].get("delta", {}).get("text", "")
                    if piece:
                        parts.append(piece)
                        yield piece
                elif "metadata" in event:
                    usage = event["metadata"].get("usage", {})
                elif "throttlingException" in event:
                    raise ProviderThrottled(f"Bedrock is throttling calls to {target.name}; retry in a few seconds.")
        except ClientError as exc:
            raise _refusal(target, exc) from exc
        except BotoCoreError as exc:
            raise ProviderUnavailable(f"Bedrock Runtime could not be reached: {exc}") from exc
        yield Reply("".join(parts), int(usage.get("inputTokens", 0)), int(usage.get("outputTokens", 0)))
