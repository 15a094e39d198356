"""Bedrock batch inference and imported-model calls against botocore's service model: moto has no
CreateModelInvocationJob / GetModelInvocationJob, so botocore's Stubber checks every request Model Studio sends
(its parameters validated against the model: patterns, enums, ranges) and answers as Bedrock does."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime

import boto3
import pytest
from botocore.stub import ANY, Stubber

from services.adapters.bedrock_batch import BedrockBatch
from services.adapters.bedrock_runtime import BedrockRuntime
from services.domain.batch import BatchStatus, batch_answer, batch_record
from services.domain.calls import ChatMessage, ChatRequest, Target
from services.domain.custom import CustomModel
from services.domain.errors import ProviderRejected
from services.domain.imports import ImportDetails
from services.domain.models import Provider

ARN = "arn:aws:bedrock:us-east-1:123456789012:model-invocation-job/abcdef012345"


def test_a_batch_job_is_created_as_bedrock_takes_it_and_followed() -> None:
    client = boto3.client("bedrock", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    batch = BedrockBatch(client)
    with Stubber(client) as stub:
        stub.add_response(
            "create_model_invocation_job", {"jobArn": ARN},
            {
                "jobName": "eval-0123abcd-base", "roleArn": "arn:aws:iam::123456789012:role/studio",
                "clientRequestToken": "a" * 32, "modelId": "amazon.nova-micro-v1:0",
                "inputDataConfig": {"s3InputDataConfig": {"s3InputFormat": "JSONL", "s3Uri": "s3://studio-bucket/e/input.jsonl"}},
                "outputDataConfig": {"s3OutputDataConfig": {"s3Uri": "s3://studio-bucket/e/output/"}},
                "timeoutDurationInHours": 24, "modelInvocationType": "Converse",
            },
        )  # fmt: skip
        stub.add_response(
            "get_model_invocation_job",
            {
                "jobArn": ARN, "status": "PartiallyCompleted", "modelId": "amazon.nova-micro-v1:0",
                "roleArn": "arn:aws:iam::123456789012:role/studio", "submitTime": "2026-12-05T10:00:00Z",
                "inputDataConfig": {"s3InputDataConfig": {"s3Uri": "s3://studio-bucket/e/input.jsonl"}},
                "outputDataConfig": {"s3OutputDataConfig": {"s3Uri": "s3://studio-bucket/e/output/"}},
                "processedRecordCount": 30, "totalRecordCount": 30,
            },
            {"jobIdentifier": ARN},
        )  # fmt: skip
        stub.add_client_error("create_model_invocation_job", "ValidationException", "modelId is not supported")
        arn = batch.create_batch_job(
            job_name="eval-0123abcd-base", model_id="amazon.nova-micro-v1:0", input_uri="s3://studio-bucket/e/input.jsonl",
            output_uri="s3://studio-bucket/e/output/", role_arn="arn:aws:iam::123456789012:role/studio", client_token="a" * 32,
        )  # fmt: skip
        assert arn == ARN
        job = batch.get_batch_job(ARN)
        assert job is not None and job.status is BatchStatus.PARTIALLY_COMPLETED and job.status.answered
        with pytest.raises(ProviderRejected, match="modelId is not supported"):
            batch.create_batch_job(
                job_name="x", model_id="amazon.nova-micro-v1:0", input_uri="s3://studio-bucket/i.jsonl", output_uri="s3://studio-bucket/o/",
                role_arn="arn:aws:iam::123456789012:role/studio", client_token="b" * 32,
            )  # fmt: skip


def test_batch_records_and_answers_are_read_as_bedrock_writes_them() -> None:
    request = ChatRequest(messages=(ChatMessage(role="user", content="hi"),), system="brief", max_tokens=20)
    line = batch_record("r7", request)
    assert (
        line["modelInput"]["system"] == [{"text": "brief"}] and line["modelInput"]["inferenceConfig"]["maxTokens"] == 20
    )
    out = line | {
        "modelOutput": {
            "output": {"message": {"content": [{"text": "hello"}]}},
            "usage": {"inputTokens": 3, "outputTokens": 1},
        }
    }
    assert batch_answer(out) == ("r7", "hello", 3, 1, None)
    failed = line | {"error": {"errorCode": 400, "errorMessage": "too long"}}
    assert batch_answer(failed)[-1] == "too long"


def test_an_imported_model_converse_does_not_serve_is_called_with_invoke_model() -> None:
    client = boto3.client("bedrock-runtime", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    now = datetime.now(UTC)
    model = CustomModel(
        id="custom:oss", name="oss", base_model_id="", base_model_name="GPT-OSS (imported)", hyperparameters={},
        training_uri="s3://studio-bucket/weights/", output_uri="", job_name="oss-import", client_token="t", created_at=now,
        updated_at=now, customization_type="IMPORTED",
        import_details=ImportDetails(architecture="gpt_oss", converse=False, custom_model_units=4),
    )  # fmt: skip
    arn = "arn:aws:bedrock:us-east-1:123456789012:imported-model/abcdef012345"
    target = Target(model.id, model.name, Provider.BEDROCK, arn, "us-east-1", model)
    body = json.dumps(
        {"choices": [{"message": {"content": "Hi!"}}], "usage": {"prompt_tokens": 5, "completion_tokens": 2}}
    )
    with Stubber(client) as stub:
        stub.add_response(
            "invoke_model", {"body": io.BytesIO(body.encode()), "contentType": "application/json"},
            {"modelId": arn, "body": ANY, "contentType": "application/json", "accept": "application/json"},
        )  # fmt: skip
        reply = BedrockRuntime(lambda region: client).chat(
            target, ChatRequest(messages=(ChatMessage(role="user", content="hey"),))
        )
    assert (reply.text, reply.input_tokens, reply.output_tokens) == ("Hi!", 5, 2)
