"""The grader runner against Lambda as boto3 calls it (botocore's Stubber: moto runs Lambda code only in Docker;
the successful Invoke is exercised over real HTTP in tests/system/test_aws_mode_http.py): a function error, a
refusal and an answer that is not a grader's are said with the function's ARN."""

from __future__ import annotations

import io

import boto3
import pytest
from botocore.response import StreamingBody
from botocore.stub import Stubber

from services.adapters.graders import GraderClient
from services.domain.errors import InvalidRequest, ProviderRejected
from services.domain.graders import Grader

ARN = "arn:aws:lambda:us-east-1:123456789012:function:grade"
SAMPLES = [{"id": "a", "messages": [{"role": "assistant", "content": "4"}], "reference_answer": "4"}]


def body(data: bytes) -> StreamingBody:
    return StreamingBody(io.BytesIO(data), len(data))


@pytest.mark.parametrize(
    ("reply", "error", "said"),
    [
        ({"StatusCode": 200, "Payload": body(b'[{"id": "a", "aggregate_reward_score": 0.75}]')}, None, None),
        (
            {"StatusCode": 200, "FunctionError": "Unhandled", "Payload": body(b'{"errorMessage": "boom"}')},
            None,
            "failed (Unhandled)",
        ),
        ({"StatusCode": 200, "Payload": body(b'{"score": 1}')}, None, "not a list"),
        (None, "AccessDeniedException", "lambda:InvokeFunction"),
    ],
)
def test_a_lambda_grader_is_invoked_and_its_failures_are_said(reply, error, said) -> None:
    client = boto3.client("lambda", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="y")
    with Stubber(client) as stub:
        expected = {
            "FunctionName": ARN,
            "InvocationType": "RequestResponse",
            "Payload": b'[{"id":"a","messages":[{"role":"assistant","content":"4"}],"reference_answer":"4"}]',
        }
        if error:
            stub.add_client_error("invoke", service_error_code=error, http_status_code=403, expected_params=expected)
        else:
            stub.add_response("invoke", reply, expected)
        graders = GraderClient(lambda region: client)
        if said is None:
            assert graders.grade(Grader(lambda_arn=ARN), SAMPLES) == [0.75]
        else:
            with pytest.raises(ProviderRejected, match=said.replace("(", r"\(").replace(")", r"\)")) as refused:
                graders.grade(Grader(lambda_arn=ARN), SAMPLES)
            assert ARN in str(refused.value)


def test_the_simulation_has_no_lambda_and_a_url_off_the_machine_is_never_called() -> None:
    with pytest.raises(InvalidRequest, match="cannot call AWS Lambda"):
        GraderClient().grade(Grader(lambda_arn=ARN), SAMPLES)
    with pytest.raises(InvalidRequest, match="not this machine"):
        GraderClient().grade(Grader(url="http://169.254.169.254/"), SAMPLES)
    assert GraderClient().grade(Grader(builtin="exact-match"), SAMPLES) == [1.0]
