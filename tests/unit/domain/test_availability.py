"""GetFoundationModelAvailability's answer in words that say what to do, before anything is paid for."""

from __future__ import annotations

import pytest

from services.domain.availability import access_problem

OK = {
    "agreementAvailability": {"status": "AVAILABLE"},
    "authorizationStatus": "AUTHORIZED",
    "entitlementAvailability": "AVAILABLE",
    "regionAvailability": "AVAILABLE",
}


@pytest.mark.parametrize(
    ("change", "said"),
    [
        ({}, None),
        ({"regionAvailability": "NOT_AVAILABLE"}, "amazon.nova-pro-v1:0 is not offered in us-west-2."),
        ({"entitlementAvailability": "NOT_AVAILABLE"}, "no access to amazon.nova-pro-v1:0 in us-west-2: request it"),
        ({"authorizationStatus": "NOT_AUTHORIZED"}, "an IAM or organization policy denies it"),
        ({"agreementAvailability": {"status": "PENDING"}}, "is still being processed: accept its offer"),
        ({"agreementAvailability": {"status": "ERROR", "errorMessage": "payment"}}, "is not accepted (payment)"),
    ],
)
def test_each_part_of_the_answer_says_what_to_do(change: dict, said: str | None) -> None:
    found = access_problem("amazon.nova-pro-v1:0", "us-west-2", OK | change)
    assert found == said if said is None else said in (found or "")
