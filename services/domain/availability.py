"""Whether an account may use a foundation model in a region, from GetFoundationModelAvailability, in words that
say what to do: not offered in the region, no access granted (request it in the console), not authorized (IAM or
an organization's policy), or its agreement not accepted. Asked before anything is uploaded or paid for.
https://docs.aws.amazon.com/bedrock/latest/userguide/model-access.html"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

ACCESS_URL = "https://docs.aws.amazon.com/bedrock/latest/userguide/model-access.html"


def access_problem(model_id: str, region: str, found: Mapping[str, Any]) -> str | None:
    """Why the model cannot be used, or None when every part of the answer says it can."""
    if found.get("regionAvailability") == "NOT_AVAILABLE":
        return f"{model_id} is not offered in {region}."
    if found.get("entitlementAvailability") == "NOT_AVAILABLE":
        return f"no access to {model_id} in {region}: request it in the Bedrock console (Model access, {ACCESS_URL})."
    if found.get("authorizationStatus") == "NOT_AUTHORIZED":
        return (
            f"{model_id} in {region} is not authorized for this account's role: an IAM or organization policy "
            "denies it."
        )
    agreement = found.get("agreementAvailability") or {}
    status = agreement.get("status")
    if status in ("NOT_AVAILABLE", "PENDING", "ERROR"):
        said = f" ({str(agreement.get('errorMessage'))[:200]})" if agreement.get("errorMessage") else ""
        what = "is still being processed" if status == "PENDING" else "is not accepted"
        return f"the agreement for {model_id} in {region} {what}{said}: accept its offer in the Bedrock console."
    return None
