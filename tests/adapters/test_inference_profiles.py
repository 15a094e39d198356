"""ListInferenceProfiles read as Bedrock answers it (moto has no inference profiles, so botocore's Stubber plays
Bedrock, holding each request to the service model): every page, only active system-defined profiles, model ARNs
as model ids; kept for a while, so the gateway does not ask on every call; a failure answered with None for a
minute, so the caller falls back to the region's own geography."""

from __future__ import annotations

import boto3
from botocore.stub import Stubber

from services.adapters.bedrock_catalog import BedrockProfiles

NOVA = "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-2-lite-v1:0"
NOVA_WEST = "arn:aws:bedrock:us-west-2::foundation-model/amazon.nova-2-lite-v1:0"
LLAMA = "arn:aws:bedrock:us-east-1::foundation-model/meta.llama3-3-70b-instruct-v1:0"


def summary(profile_id: str, *arns: str, status: str = "ACTIVE") -> dict:
    return {
        "inferenceProfileName": profile_id, "inferenceProfileId": profile_id, "status": status, "type": "SYSTEM_DEFINED",
        "inferenceProfileArn": f"arn:aws:bedrock:us-east-1:123456789012:inference-profile/{profile_id}",
        "models": [{"modelArn": a} for a in arns],
    }  # fmt: skip


def test_every_page_of_active_profiles_is_read_and_kept_for_a_while() -> None:
    client = boto3.client("bedrock", region_name="us-east-1", aws_access_key_id="k", aws_secret_access_key="s")
    now = [0.0]
    profiles = BedrockProfiles(lambda region: client, ttl_seconds=900, clock=lambda: now[0])
    with Stubber(client) as stub:
        stub.add_response(
            "list_inference_profiles",
            {"inferenceProfileSummaries": [summary("us.amazon.nova-2-lite-v1:0", NOVA, NOVA_WEST)], "nextToken": "p2"},
            {"typeEquals": "SYSTEM_DEFINED", "maxResults": 1000},
        )
        stub.add_response(
            "list_inference_profiles",
            {
                "inferenceProfileSummaries": [
                    summary("global.amazon.nova-2-lite-v1:0", NOVA),
                    summary("us.meta.llama3-3-70b-instruct-v1:0", LLAMA, status="INACTIVE"),
                ]
            },
            {"typeEquals": "SYSTEM_DEFINED", "maxResults": 1000, "nextToken": "p2"},
        )
        listed = profiles.listed("us-east-1")
        assert listed == {"amazon.nova-2-lite-v1:0": ("us.amazon.nova-2-lite-v1:0", "global.amazon.nova-2-lite-v1:0")}
        now[0] = 899.0
        assert profiles.listed("us-east-1") == listed  # from memory: no request
        stub.assert_no_pending_responses()


def test_a_listing_that_fails_gives_none_for_a_minute_then_asks_again() -> None:
    client = boto3.client("bedrock", region_name="us-east-1", aws_access_key_id="k", aws_secret_access_key="s")
    now = [0.0]
    profiles = BedrockProfiles(lambda region: client, clock=lambda: now[0])
    with Stubber(client) as stub:
        stub.add_client_error("list_inference_profiles", "AccessDeniedException", "not allowed", 403)
        assert profiles.listed("us-east-1") is None
        now[0] = 30.0
        assert profiles.listed("us-east-1") is None  # not asked again yet
        now[0] = 61.0
        stub.add_response("list_inference_profiles", {"inferenceProfileSummaries": [summary("global.x.y-v1:0", LLAMA)]})
        assert profiles.listed("us-east-1") == {"meta.llama3-3-70b-instruct-v1:0": ("global.x.y-v1:0",)}
        stub.assert_no_pending_responses()
