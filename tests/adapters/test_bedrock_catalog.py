"""BedrockCatalog against botocore's Stubber (moto has no ListFoundationModels)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.stub import Stubber

from services.adapters.bedrock_catalog import BedrockCatalog, parse_foundation_models
from services.domain.errors import ProviderDataError, ProviderUnavailable
from services.domain.models import Lifecycle

# From the real output quoted in bedrock-facts.md §1.4.
LITE = {
    "modelArn": "arn:aws:bedrock:us-west-2::foundation-model/amazon.titan-text-lite-v1:0:4k",
    "modelId": "amazon.titan-text-lite-v1:0:4k",
    "modelName": "Titan Text G1 - Lite",
    "providerName": "Amazon",
    "inputModalities": ["TEXT"],
    "outputModalities": ["TEXT"],
    "responseStreamingSupported": True,
    "customizationsSupported": ["FINE_TUNING", "CONTINUED_PRE_TRAINING"],
    "inferenceTypesSupported": ["PROVISIONED"],
    "modelLifecycle": {"status": "ACTIVE"},
}
LLAMA2 = {
    "modelArn": "arn:aws:bedrock:us-west-2::foundation-model/meta.llama2-13b-v1:0:4k",
    "modelId": "meta.llama2-13b-v1:0:4k",
    "modelName": "Llama 2 13B",
    "providerName": "Meta",
    "inputModalities": ["TEXT"],
    "outputModalities": ["TEXT"],
    "responseStreamingSupported": True,
    "customizationsSupported": ["FINE_TUNING"],
    "inferenceTypesSupported": [],
    "modelLifecycle": {"status": "LEGACY"},
}
CANVAS = {  # image models have no responseStreamingSupported
    "modelArn": "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-canvas-v1:0",
    "modelId": "amazon.nova-canvas-v1:0",
    "modelName": "Nova Canvas",
    "providerName": "Amazon",
    "inputModalities": ["TEXT", "IMAGE"],
    "outputModalities": ["IMAGE"],
    "customizationsSupported": ["FINE_TUNING"],
    "inferenceTypesSupported": ["ON_DEMAND", "PROVISIONED"],
    "modelLifecycle": {"status": "ACTIVE"},
}


def east_arn(record: dict[str, Any]) -> dict[str, Any]:
    return record | {"modelArn": record["modelArn"].replace("us-west-2", "us-east-1")}


@pytest.fixture
def stubbed() -> Iterator[tuple[BedrockCatalog, Stubber, Stubber]]:
    config = Config(retries={"max_attempts": 1})
    east = boto3.client("bedrock", region_name="us-east-1", config=config)
    west = boto3.client("bedrock", region_name="us-west-2", config=config)
    with Stubber(east) as s_east, Stubber(west) as s_west:
        yield BedrockCatalog({"us-east-1": east, "us-west-2": west}), s_east, s_west
        s_east.assert_no_pending_responses()
        s_west.assert_no_pending_responses()


def test_models_of_every_region_are_merged_with_their_regions(stubbed) -> None:
    catalog, east, west = stubbed
    east.add_response("list_foundation_models", {"modelSummaries": [east_arn(LITE), CANVAS]}, {})
    west.add_response("list_foundation_models", {"modelSummaries": [LITE, LLAMA2]}, {})
    models = {m.model_id: m for m in catalog.fetch()}
    assert set(models) == {LITE["modelId"], CANVAS["modelId"], LLAMA2["modelId"]}
    lite = models[LITE["modelId"]]
    assert lite.regions == ("us-east-1", "us-west-2")
    assert lite.name == "Titan Text G1 - Lite" and lite.vendor == "Amazon"
    assert lite.customizations == ("FINE_TUNING", "CONTINUED_PRE_TRAINING")
    assert lite.inference_types == ("PROVISIONED",)
    assert lite.streaming is True and lite.chat is False
    assert models[LLAMA2["modelId"]].lifecycle is Lifecycle.LEGACY
    assert models[CANVAS["modelId"]].streaming is None
    assert models[CANVAS["modelId"]].regions == ("us-east-1",)


@pytest.mark.parametrize("code", ["AccessDeniedException", "ThrottlingException", "InternalServerException"])
def test_a_region_that_fails_fails_the_whole_fetch_naming_the_region(stubbed, code: str) -> None:
    catalog, east, west = stubbed
    east.add_response("list_foundation_models", {"modelSummaries": [east_arn(LITE)]}, {})
    west.add_client_error(
        "list_foundation_models", service_error_code=code, service_message="nope", http_status_code=400
    )
    with pytest.raises(ProviderUnavailable, match=f"us-west-2 failed: {code}: nope"):
        catalog.fetch()


def test_missing_required_fields_are_named() -> None:
    # The Stubber validates responses against the service model, so a record without a
    # required field can only reach the parser directly. The real service could send one.
    broken = {k: v for k, v in LITE.items() if k != "modelArn"}
    with pytest.raises(
        ProviderDataError,
        match=r"Bedrock us-west-2, model #2 \(amazon.titan-text-lite-v1:0:4k\): missing field\(s\) modelArn",
    ):
        parse_foundation_models("us-west-2", {"modelSummaries": [LLAMA2, broken]})
    with pytest.raises(ProviderDataError, match="no 'modelSummaries' list"):
        parse_foundation_models("us-west-2", {})
    with pytest.raises(ProviderDataError, match="unknown lifecycle status 'RETIRED'"):
        parse_foundation_models("us-west-2", {"modelSummaries": [LITE | {"modelLifecycle": {"status": "RETIRED"}}]})
    with pytest.raises(ProviderDataError, match="'inputModalities' should be a list of strings"):
        parse_foundation_models("us-west-2", {"modelSummaries": [LITE | {"inputModalities": "TEXT"}]})


def test_an_unreachable_endpoint_is_provider_unavailable() -> None:
    client = boto3.client(
        "bedrock",
        region_name="us-east-1",
        endpoint_url="http://127.0.0.1:9",  # discard port: nothing listens
        config=Config(retries={"max_attempts": 1}, connect_timeout=1, read_timeout=1),
    )
    with pytest.raises(ProviderUnavailable, match="ListFoundationModels in us-east-1 failed: Could not connect"):
        BedrockCatalog({"us-east-1": client}).fetch()
