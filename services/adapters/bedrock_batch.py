"""Bedrock batch inference (CreateModelInvocationJob, Converse type; GetModelInvocationJob) in one region."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from services.adapters.bedrock_answers import NOT_FOUND, code_of, fail, status_of
from services.domain.batch import WINDOW_HOURS, BatchJob, BatchStatus


class BedrockBatch:
    def __init__(self, client: Any) -> None:
        self._bedrock = client

    def create_batch_job(
        self, *, job_name: str, model_id: str, input_uri: str, output_uri: str, role_arn: str, client_token: str
    ) -> str:
        try:
            answer = self._bedrock.create_model_invocation_job(
                jobName=job_name, roleArn=role_arn, clientRequestToken=client_token, modelId=model_id,
                inputDataConfig={"s3InputDataConfig": {"s3InputFormat": "JSONL", "s3Uri": input_uri}},
                outputDataConfig={"s3OutputDataConfig": {"s3Uri": output_uri}},
                timeoutDurationInHours=WINDOW_HOURS, modelInvocationType="Converse",
            )  # fmt: skip
        except (ClientError, BotoCoreError) as exc:
            raise fail("CreateModelInvocationJob", exc) from exc
        return str(answer["jobArn"])

    def get_batch_job(self, arn: str) -> BatchJob | None:
        try:
            job = self._bedrock.get_model_invocation_job(jobIdentifier=arn)
        except ClientError as exc:
            if code_of(exc) in NOT_FOUND:
                return None
            raise fail("GetModelInvocationJob", exc) from exc
        except BotoCoreError as exc:
            raise fail("GetModelInvocationJob", exc) from exc
        return BatchJob(
            arn=str(job["jobArn"]), status=status_of(BatchStatus, job, "GetModelInvocationJob"),
            message=str(job.get("message") or ""),
            processed=int(job.get("processedRecordCount") or 0), total=int(job.get("totalRecordCount") or 0),
        )  # fmt: skip
