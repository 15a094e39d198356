"""Bedrock Runtime Converse through the real adapter: a real botocore client (it builds and validates
every request), answered by botocore's Stubber (moto has no Bedrock Runtime)."""

from __future__ import annotations

import boto3
import pytest
from botocore.stub import Stubber

from services.adapters.bedrock_runtime import BedrockRuntime
from services.domain.errors import ModelCallFailed, ProviderThrottled, ProviderUnavailable
from services.domain.models import Provider
from services.inference.service import ChatMessage, ChatRequest, Target

ARN = "arn:aws:bedrock:us-west-2:123456789012:provisioned-model/abcdefghij12"
TARGET = Target("custom:x", "coder", Provider.BEDROCK, ARN, "us-west-2")
REQUEST = ChatRequest(
    messages=(ChatMessage(role="user", content="Hi"),), system="Be brief.", max_tokens=64, temperature=0.2
)


@pytest.fixture
def runtime():
    client = boto3.client("bedrock-runtime", region_name="us-west-2", aws_access_key_id="k", aws_secret_access_key="s")
    with Stubber(client) as stub:
        yield BedrockRuntime(lambda region: {"us-west-2": client}[region]), stub
        stub.assert_no_pending_responses()


def test_converse_sends_the_chat_and_reads_the_answer_and_usage(runtime) -> None:
    adapter, stub = runtime
    stub.add_response(
        "converse",
        {
            "output": {"message": {"role": "assistant", "content": [{"text": "Hello"}, {"text": " there"}]}},
            "stopReason": "end_turn",
            "usage": {"inputTokens": 12, "outputTokens": 2, "totalTokens": 14},
            "metrics": {"latencyMs": 80},
        },
        {
            "modelId": ARN,
            "messages": [{"role": "user", "content": [{"text": "Hi"}]}],
            "system": [{"text": "Be brief."}],
            "inferenceConfig": {"maxTokens": 64, "temperature": 0.2},
        },
    )
    reply = adapter.chat(TARGET, REQUEST)
    assert (reply.text, reply.input_tokens, reply.output_tokens, reply.simulated) == ("Hello there", 12, 2, False)


@pytest.mark.parametrize(
    ("code", "status", "error"),
    [
        ("ThrottlingException", 429, ProviderThrottled),
        ("ServiceUnavailableException", 503, ProviderUnavailable),
        ("ModelNotReadyException", 429, ProviderUnavailable),
        ("ValidationException", 400, ModelCallFailed),
        ("AccessDeniedException", 403, ModelCallFailed),
    ],
)
def test_provider_errors_become_clear_errors(runtime, code: str, status: int, error: type[Exception]) -> None:
    adapter, stub = runtime
    stub.add_client_error("converse", service_error_code=code, service_message="nope", http_status_code=status)
    with pytest.raises(error, match="coder"):
        adapter.chat(TARGET, REQUEST)


def test_a_throttled_stream_is_refused_before_any_text(runtime) -> None:
    adapter, stub = runtime
    stub.add_client_error("converse_stream", service_error_code="ThrottlingException", http_status_code=429)
    with pytest.raises(ProviderThrottled):
        list(adapter.stream(TARGET, REQUEST))
