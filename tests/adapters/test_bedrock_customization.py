"""BedrockCustomization: jobs and custom models against moto; provisioned throughput with
botocore's Stubber (moto has no provisioned throughput)."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
from botocore.config import Config
from botocore.stub import Stubber
from moto import mock_aws
from moto.bedrock.models import bedrock_backends

from services.adapters.bedrock_customization import BedrockCustomization
from services.domain.custom import JobRequest, JobStatus, ThroughputStatus
from services.domain.errors import ProviderRejected, ProviderUnavailable

REQUEST = JobRequest(
    job_name="support-bot-abc123",
    custom_model_name="support-bot",
    base_model_identifier="meta.llama3-1-8b-instruct-v1:0:128k",
    role_arn="arn:aws:iam::123456789012:role/BedrockCustomization",
    training_uri="s3://studio/data/train.jsonl",
    validation_uri="s3://studio/data/val.jsonl",
    output_uri="s3://studio/output/support-bot/",
    hyperparameters={"epochCount": "2", "learningRate": "0.0001"},
    client_token="0123456789abcdef0123456789abcdef",
)


@pytest.fixture
def moto_bedrock() -> Iterator[tuple[BedrockCustomization, object]]:
    with mock_aws():
        client = boto3.client("bedrock", region_name="us-east-1")
        yield BedrockCustomization(client), bedrock_backends["123456789012"]["us-east-1"]


def test_a_job_is_created_read_and_stopped(moto_bedrock) -> None:
    adapter, backend = moto_bedrock
    arn = adapter.create_job(REQUEST)
    job = adapter.get_job(REQUEST.job_name)  # the service asks by name: moto, unlike Bedrock, takes no ARN
    assert job is not None and job.status is JobStatus.IN_PROGRESS and job.job_arn == arn
    sent = backend.model_customization_jobs[REQUEST.job_name]
    assert sent.hyper_parameters == {"epochCount": "2", "learningRate": "0.0001"}
    assert sent.validation_data_config == {"validators": [{"s3Uri": "s3://studio/data/val.jsonl"}]}
    assert sent.client_request_token == REQUEST.client_token
    assert job.failure_message is None and job.custom_model_arn is None
    adapter.stop_job(REQUEST.job_name)
    assert adapter.get_job(REQUEST.job_name).status is JobStatus.STOPPED


def test_a_retried_create_returns_the_same_job(moto_bedrock) -> None:
    adapter, _ = moto_bedrock
    assert adapter.create_job(REQUEST) == adapter.create_job(REQUEST)


def test_a_name_clash_with_another_request_is_refused(moto_bedrock) -> None:
    adapter, _ = moto_bedrock
    adapter.create_job(REQUEST)
    other = REQUEST.model_copy(update={"client_token": "ffffffffffffffffffffffffffffffff"})
    with pytest.raises(ProviderRejected, match="ResourceInUseException"):
        adapter.create_job(other)


def test_completion_gives_the_custom_model_which_can_be_deleted(moto_bedrock) -> None:
    adapter, backend = moto_bedrock
    adapter.create_job(REQUEST)
    backend.model_customization_jobs[REQUEST.job_name].status = "Completed"  # the provider finishing
    job = adapter.get_job(REQUEST.job_name)
    assert job.status is JobStatus.COMPLETED and job.custom_model_arn and job.end_time is not None
    assert job.training_loss == 0.0
    assert adapter.delete_custom_model("support-bot") is True
    assert "support-bot" not in backend.custom_models
    assert adapter.delete_custom_model("support-bot") is False  # gone: said, never taken as a success


def test_a_failed_job_reports_its_message(moto_bedrock) -> None:
    adapter, backend = moto_bedrock
    adapter.create_job(REQUEST)
    backend.model_customization_jobs[REQUEST.job_name].status = "Failed"
    backend.model_customization_jobs[REQUEST.job_name].failure_message = "Data validation failed: line 3"
    job = adapter.get_job(REQUEST.job_name)
    assert job.status is JobStatus.FAILED and job.failure_message == "Data validation failed: line 3"


def test_an_unknown_job_is_none_and_a_bad_request_is_rejected(moto_bedrock, invalid_requests_allowed) -> None:
    adapter, _ = moto_bedrock
    assert adapter.get_job("no-such-job") is None
    with pytest.raises(ProviderRejected, match="ValidationException"):
        adapter.create_job(REQUEST.model_copy(update={"training_uri": "file:///tmp/x"}))


# ---- throughput, Stubber --------------------------------------------------------------------------
PT_ARN = "arn:aws:bedrock:us-east-1:123456789012:provisioned-model/abcdefghij12"
MODEL_ARN = "arn:aws:bedrock:us-east-1:123456789012:custom-model/meta.llama3-1-8b-instruct-v1:0:128k/abcdefghij12"


@pytest.fixture
def stubbed() -> Iterator[tuple[BedrockCustomization, Stubber]]:
    client = boto3.client("bedrock", region_name="us-east-1", config=Config(retries={"max_attempts": 1}))
    with Stubber(client) as stubber:
        yield BedrockCustomization(client), stubber
        stubber.assert_no_pending_responses()


def pt_response(status: str) -> dict[str, object]:
    from datetime import UTC, datetime

    now = datetime(2026, 11, 1, tzinfo=UTC)
    return {
        "modelUnits": 1,
        "desiredModelUnits": 1,
        "provisionedModelName": "support-bot-pt-3",
        "provisionedModelArn": PT_ARN,
        "modelArn": MODEL_ARN,
        "desiredModelArn": MODEL_ARN,
        "foundationModelArn": "arn:aws:bedrock:us-east-1::foundation-model/meta.llama3-1-8b-instruct-v1:0:128k",
        "status": status,
        "creationTime": now,
        "lastModifiedTime": now,
    }


def test_no_commitment_throughput_omits_the_commitment(stubbed) -> None:
    adapter, stubber = stubbed
    stubber.add_response(
        "create_provisioned_model_throughput",
        {"provisionedModelArn": PT_ARN},
        {
            "modelUnits": 1,
            "provisionedModelName": "support-bot-pt-3",
            "modelId": MODEL_ARN,
            "clientRequestToken": "tok-pt-3",
        },
    )
    stubber.add_response("get_provisioned_model_throughput", pt_response("Creating"), {"provisionedModelId": PT_ARN})
    stubber.add_response("get_provisioned_model_throughput", pt_response("InService"), {"provisionedModelId": PT_ARN})
    stubber.add_response("delete_provisioned_model_throughput", {}, {"provisionedModelId": PT_ARN})
    arn = adapter.create_throughput(
        name="support-bot-pt-3", model_arn=MODEL_ARN, model_units=1, client_token="tok-pt-3"
    )
    assert arn == PT_ARN
    assert adapter.get_throughput(arn).status is ThroughputStatus.CREATING
    assert adapter.get_throughput(arn).status is ThroughputStatus.IN_SERVICE
    adapter.delete_throughput(arn)


@pytest.mark.parametrize(
    ("code", "error", "says"),
    [
        ("ServiceQuotaExceededException", ProviderRejected, "a service quota is exhausted"),
        ("AccessDeniedException", ProviderRejected, "access denied"),
        ("ThrottlingException", ProviderUnavailable, "Try again shortly"),
        ("ValidationException", ProviderRejected, "ValidationException: bad"),
    ],
)
def test_throughput_errors_are_translated(stubbed, code: str, error: type[Exception], says: str) -> None:
    adapter, stubber = stubbed
    stubber.add_client_error("create_provisioned_model_throughput", service_error_code=code, service_message="bad")
    with pytest.raises(error, match=says):
        adapter.create_throughput(name="x", model_arn=MODEL_ARN, model_units=1, client_token="tok")


def test_a_throughput_that_is_gone_is_none_and_deleting_it_again_is_fine(stubbed) -> None:
    adapter, stubber = stubbed
    stubber.add_client_error("get_provisioned_model_throughput", service_error_code="ResourceNotFoundException")
    stubber.add_client_error("delete_provisioned_model_throughput", service_error_code="ResourceNotFoundException")
    assert adapter.get_throughput(PT_ARN) is None
    adapter.delete_throughput(PT_ARN)


def test_tags_kms_and_vpc_reach_the_job_as_bedrock_names_them() -> None:
    """Through boto3 (and the suite's check of Bedrock's patterns), with Stubber's expected parameters."""
    import boto3
    from botocore.stub import Stubber

    from services.adapters.bedrock_customization import BedrockCustomization

    client = boto3.client("bedrock", region_name="us-east-1")
    request = REQUEST.model_copy(
        update={
            "tags": {"team": "ml", "cost-center": "42"},
            "kms_key_id": "alias/studio-models",
            "vpc_subnets": ("subnet-0abc",),
            "vpc_security_groups": ("sg-0abc",),
        }
    )
    tags = [{"key": "team", "value": "ml"}, {"key": "cost-center", "value": "42"}]
    arn = "arn:aws:bedrock:us-east-1:123456789012:model-customization-job/meta.llama3-1-8b-instruct-v1:0:128k/abcdefghijkl"
    with Stubber(client) as stub:
        stub.add_response(
            "create_model_customization_job",
            {"jobArn": arn},
            {
                "jobName": request.job_name,
                "customModelName": request.custom_model_name,
                "roleArn": request.role_arn,
                "baseModelIdentifier": request.base_model_identifier,
                "customizationType": "FINE_TUNING",
                "trainingDataConfig": {"s3Uri": request.training_uri},
                "outputDataConfig": {"s3Uri": request.output_uri},
                "validationDataConfig": {"validators": [{"s3Uri": request.validation_uri}]},
                "hyperParameters": dict(request.hyperparameters),
                "clientRequestToken": request.client_token,
                "jobTags": tags,
                "customModelTags": tags,
                "customModelKmsKeyId": "alias/studio-models",
                "vpcConfig": {"subnetIds": ["subnet-0abc"], "securityGroupIds": ["sg-0abc"]},
            },
        )
        assert BedrockCustomization(client).create_job(request) == arn
