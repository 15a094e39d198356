"""Names and requests Model Studio generates are ones Bedrock accepts (botocore's patterns), and the
suite-wide check of every boto3 request catches one it would refuse."""

from __future__ import annotations

import re

import boto3
import pytest

from services.domain.names import bedrock_name
from tests.support.botocore_check import InvalidForService


def test_the_check_refuses_what_bedrock_refuses() -> None:
    client = boto3.client("bedrock", region_name="us-east-1")
    with pytest.raises(InvalidForService, match="provisionedModelName"):
        client.create_provisioned_model_throughput(
            modelUnits=1,
            provisionedModelName="a--pt-3",
            modelId="arn:aws:bedrock:us-east-1:123456789012:custom-model/a.b/abcdefghijkl",
        )
    with pytest.raises(InvalidForService, match="statusEquals"):
        client.list_model_customization_jobs(statusEquals="Running")


NAME = re.compile(r"([0-9a-zA-Z][_-]?)+")


@pytest.mark.parametrize(
    "model_name",
    ["a" * 49 + "-" + "b" * 13, "a" * 49 + "_" + "b" * 13, "x-" * 31 + "y", "a" * 63, "a_b-c", "a" * 50 + "-b"],
)
def test_throughput_and_job_names_fit_bedrocks_pattern(model_name: str) -> None:
    for suffix in ("pt-3", "pt-12", "0123456789ab", ""):
        name = bedrock_name(model_name, suffix)
        assert NAME.fullmatch(name) and len(name) <= 63 and "--" not in name and name.endswith(suffix)


def test_a_long_name_with_a_dash_at_character_50_can_get_throughput_through_the_aws_adapter() -> None:
    """The request itself goes through boto3 (and so through the suite's check of Bedrock's patterns)."""
    from botocore.stub import Stubber

    from services.adapters.bedrock_customization import BedrockCustomization

    model_name = "a" * 49 + "-" + "b" * 13
    client = boto3.client("bedrock", region_name="us-east-1")
    arn = "arn:aws:bedrock:us-east-1:123456789012:provisioned-model/abcdefghijkl"
    with Stubber(client) as stub:
        stub.add_response("create_provisioned_model_throughput", {"provisionedModelArn": arn})
        made = BedrockCustomization(client).create_throughput(
            name=bedrock_name(model_name, "pt-3"),
            model_arn="arn:aws:bedrock:us-east-1:123456789012:custom-model/meta.llama3-1-8b-instruct-v1:0:128k/abcdefghijkl",
            model_units=1,
            client_token="a" * 32,
        )
    assert made == arn
