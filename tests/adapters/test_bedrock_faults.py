"""What the adapters make of AWS's faults: real sockets for a timeout and a dropped connection,
botocore's Stubber for AWS error codes. Retries are configured in one place (services.bootstrap)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import boto3
import pytest
from botocore.config import Config
from botocore.stub import Stubber

from services.adapters.bedrock_customization import BedrockCustomization
from services.domain.custom import JobRequest
from services.domain.errors import ProviderRejected, ProviderUnavailable

REQUEST = JobRequest(
    job_name="bot-abc",
    custom_model_name="bot",
    base_model_identifier="meta.llama3-1-8b-instruct-v1:0:128k",
    role_arn="arn:aws:iam::123456789012:role/x",
    training_uri="s3://bucket/train.jsonl",
    validation_uri=None,
    output_uri="s3://bucket/out/",
    hyperparameters={},
    client_token="t" * 32,
)
CALLS = {
    "create_job": lambda a: a.create_job(REQUEST),
    "get_job": lambda a: a.get_job("bot-abc"),
    "stop_job": lambda a: a.stop_job("bot-abc"),
    "delete_custom_model": lambda a: a.delete_custom_model("bot"),
    "create_throughput": lambda a: a.create_throughput(
        name="pt",
        model_arn="arn:aws:bedrock:us-east-1:123456789012:custom-model/meta.llama3-1-8b-instruct-v1:0:128k/abcdefghij12",
        model_units=1,
        client_token="t",
    ),
    "delete_throughput": lambda a: a.delete_throughput("pt"),
}


class Misbehaving:
    """A TCP server that either never answers (a timeout) or hangs up at once (a dropped connection)."""

    def __init__(self, mode: str) -> None:
        self.mode = mode
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.held: list[socket.socket] = []
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            if self.mode == "drop":
                conn.recv(65536)
                conn.close()
            else:
                self.held.append(conn)  # read nothing, answer nothing

    def close(self) -> None:
        self.sock.close()
        for conn in self.held:
            conn.close()


@pytest.fixture(params=["timeout", "drop"])
def misbehaving(request: pytest.FixtureRequest) -> Iterator[BedrockCustomization]:
    server = Misbehaving(request.param)
    client = boto3.client(
        "bedrock",
        region_name="us-east-1",
        endpoint_url=f"http://127.0.0.1:{server.port}",
        config=Config(connect_timeout=1, read_timeout=1, retries={"max_attempts": 1}),
    )
    yield BedrockCustomization(client)
    server.close()


@pytest.mark.parametrize("call", CALLS)
def test_a_timeout_or_a_dropped_connection_is_provider_unavailable(misbehaving, call: str) -> None:
    with pytest.raises(ProviderUnavailable, match="could not reach the service"):
        CALLS[call](misbehaving)


@pytest.fixture
def stubbed() -> Iterator[tuple[BedrockCustomization, Stubber]]:
    client = boto3.client("bedrock", region_name="us-east-1", config=Config(retries={"max_attempts": 1}))
    with Stubber(client) as stubber:
        yield BedrockCustomization(client), stubber


OPERATIONS = {
    "create_job": "create_model_customization_job",
    "get_job": "get_model_customization_job",
    "stop_job": "stop_model_customization_job",
    "delete_custom_model": "delete_custom_model",
    "create_throughput": "create_provisioned_model_throughput",
    "delete_throughput": "delete_provisioned_model_throughput",
}


@pytest.mark.parametrize("call", CALLS)
@pytest.mark.parametrize(
    ("code", "error", "says"),
    [
        ("ThrottlingException", ProviderUnavailable, "Try again shortly"),
        ("ServiceUnavailableException", ProviderUnavailable, "Try again shortly"),
        ("AccessDeniedException", ProviderRejected, "access denied"),
        ("ValidationException", ProviderRejected, "ValidationException: nope"),
    ],
)
def test_aws_error_codes_become_clear_errors(stubbed, call: str, code: str, error: type, says: str) -> None:
    adapter, stubber = stubbed
    stubber.add_client_error(OPERATIONS[call], service_error_code=code, service_message="nope", http_status_code=400)
    with pytest.raises(error, match=says):
        CALLS[call](adapter)


def test_retries_are_configured_once_adaptive_and_bounded() -> None:
    import inspect

    from services import outside

    source = inspect.getsource(outside)
    assert source.count('retries={"mode": "adaptive", "max_attempts": 4}') == 1
