"""Which id Bedrock Runtime is called with for a base model: on demand, an inference profile, or the
on-demand variant of a fine-tunable model that Bedrock serves only by provisioned throughput."""

from __future__ import annotations

from datetime import UTC, datetime

import boto3
import pytest
from botocore.stub import Stubber

from services.domain.errors import NotInvocable, ProviderUnavailable
from services.domain.models import ModelRecord
from services.inference.service import runtime_model_id
from tests.support.fakes import bedrock_model

NOW = datetime(2026, 12, 1, tzinfo=UTC)


def record(model_id: str, *types: str) -> ModelRecord:
    provider = bedrock_model(model_id, inference_types=types)
    return ModelRecord(**provider.model_dump(), id=f"bedrock:{model_id}", first_seen=NOW, updated_at=NOW)


CATALOG = {
    r.id: r
    for r in (
        record("amazon.titan-text-lite-v1", "ON_DEMAND"),
        record("amazon.nova-micro-v1:0", "ON_DEMAND"),
        record("meta.llama3-3-70b-instruct-v1:0", "INFERENCE_PROFILE"),
        record("meta.llama3-2-1b-instruct-v1:0", "PROVISIONED"),
    )
}


@pytest.mark.parametrize(
    ("model", "region", "called"),
    [
        (record("amazon.nova-micro-v1:0", "ON_DEMAND"), "us-east-1", "amazon.nova-micro-v1:0"),
        (record("amazon.nova-micro-v1:0:128k", "PROVISIONED"), "us-east-1", "amazon.nova-micro-v1:0"),
        (record("amazon.titan-text-lite-v1:0:4k", "PROVISIONED"), "us-east-1", "amazon.titan-text-lite-v1"),
        (record("meta.llama3-3-70b-instruct-v1:0:128k", "PROVISIONED"), "us-west-2", "us.meta.llama3-3-70b-instruct-v1:0"),
        (record("meta.llama3-3-70b-instruct-v1:0", "INFERENCE_PROFILE"), "eu-central-1", "eu.meta.llama3-3-70b-instruct-v1:0"),
        (record("meta.llama3-3-70b-instruct-v1:0", "INFERENCE_PROFILE"), "ap-south-1", "apac.meta.llama3-3-70b-instruct-v1:0"),
        (record("meta.llama3-3-70b-instruct-v1:0", "INFERENCE_PROFILE"), "ap-northeast-1", "jp.meta.llama3-3-70b-instruct-v1:0"),
        (record("meta.llama3-3-70b-instruct-v1:0", "INFERENCE_PROFILE"), "sa-east-1", "global.meta.llama3-3-70b-instruct-v1:0"),
        (record("meta.llama3-3-70b-instruct-v1:0", "INFERENCE_PROFILE"), "us-gov-west-1", "us-gov.meta.llama3-3-70b-instruct-v1:0"),
    ],
)  # fmt: skip
def test_the_id_bedrock_is_called_with(model: ModelRecord, region: str, called: str) -> None:
    assert runtime_model_id(model, region, CATALOG.get) == called


def test_a_model_served_only_by_throughput_with_no_on_demand_variant_is_refused_with_a_reason() -> None:
    with pytest.raises(NotInvocable, match="only through provisioned throughput"):
        runtime_model_id(record("meta.llama3-2-1b-instruct-v1:0:128k", "PROVISIONED"), "us-east-1", CATALOG.get)
    with pytest.raises(NotInvocable):
        runtime_model_id(record("cohere.command-text-v14:7:4k", "PROVISIONED"), "us-east-1", CATALOG.get)


LLAMA33 = "meta.llama3-3-70b-instruct-v1:0"


@pytest.mark.parametrize(
    ("region", "listed", "called"),
    [
        ("ap-northeast-1", ["apac.", "global."], "apac."),  # no Japan profile listed: the wider one
        ("ap-northeast-1", ["global.", "jp.", "apac."], "jp."),  # the most local one Bedrock lists
        ("sa-east-1", ["global."], "global."),  # a region of no geography: global
        ("us-west-2", ["global."], "global."),  # a model only global serves
        ("eu-west-1", ["eu.", "global."], "eu."),
    ],
)
def test_the_profile_is_the_most_local_one_bedrock_lists_in_the_region(
    region: str, listed: list[str], called: str
) -> None:
    profiles = {LLAMA33: tuple(p + LLAMA33 for p in listed)}
    model = record(LLAMA33, "INFERENCE_PROFILE")
    assert runtime_model_id(model, region, CATALOG.get, lambda: profiles) == called + LLAMA33


def test_a_model_bedrock_lists_no_profile_for_in_the_region_is_refused_saying_so() -> None:
    with pytest.raises(ProviderUnavailable, match="Bedrock lists none for it in sa-east-1"):
        runtime_model_id(record(LLAMA33, "INFERENCE_PROFILE"), "sa-east-1", CATALOG.get, lambda: {})


def test_every_id_it_chooses_is_one_converse_accepts() -> None:
    """The suite's botocore check (tests/support/botocore_check.py) holds each request to Converse's modelId pattern."""
    client = boto3.client("bedrock-runtime", region_name="us-east-1", aws_access_key_id="k", aws_secret_access_key="s")
    answer = {"output": {"message": {"role": "assistant", "content": [{"text": "ok"}]}}, "stopReason": "end_turn",
              "usage": {"inputTokens": 1, "outputTokens": 1, "totalTokens": 2}, "metrics": {"latencyMs": 1}}  # fmt: skip
    ids = [
        runtime_model_id(record("meta.llama3-3-70b-instruct-v1:0:128k", "PROVISIONED"), "us-east-1", CATALOG.get),
        runtime_model_id(record("amazon.titan-text-lite-v1:0:4k", "PROVISIONED"), "us-east-1", CATALOG.get),
    ]
    with Stubber(client) as stub:
        for model_id in ids:
            stub.add_response("converse", answer)
            out = client.converse(modelId=model_id, messages=[{"role": "user", "content": [{"text": "Hi"}]}])
            assert out["output"]["message"]["content"][0]["text"] == "ok"
