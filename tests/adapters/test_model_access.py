"""GetFoundationModelAvailability as Bedrock answers it (moto has none: botocore's Stubber plays Bedrock, holding
each request to the service model): access said in words, a model not in the region said so, and a question
Bedrock cannot answer (a permission missing) not taken as a refusal."""

from __future__ import annotations

import boto3
from botocore.stub import Stubber

from services.adapters.bedrock_customization import BedrockCustomization

MODEL = "amazon.nova-pro-v1:0"
OK = {
    "modelId": MODEL, "agreementAvailability": {"status": "AVAILABLE"}, "authorizationStatus": "AUTHORIZED",
    "entitlementAvailability": "AVAILABLE", "regionAvailability": "AVAILABLE",
}  # fmt: skip


def test_access_is_asked_and_said_in_words() -> None:
    client = boto3.client("bedrock", region_name="us-west-2", aws_access_key_id="k", aws_secret_access_key="s")
    backend = BedrockCustomization(client)
    with Stubber(client) as stub:
        stub.add_response("get_foundation_model_availability", OK, {"modelId": MODEL})
        assert backend.model_access(MODEL) is None
        stub.add_response(
            "get_foundation_model_availability", OK | {"entitlementAvailability": "NOT_AVAILABLE"}, {"modelId": MODEL}
        )
        assert "no access to amazon.nova-pro-v1:0 in us-west-2: request it" in (backend.model_access(MODEL) or "")
        stub.add_client_error("get_foundation_model_availability", "ResourceNotFoundException", "no such model", 404)
        assert backend.model_access(MODEL) == "amazon.nova-pro-v1:0 is not offered in us-west-2."
        stub.add_client_error("get_foundation_model_availability", "AccessDeniedException", "no permission", 403)
        assert backend.model_access(MODEL) is None  # Bedrock could not say: the job's own checks decide
        stub.assert_no_pending_responses()
