"""Bedrock batch inference (CreateModelInvocationJob, Converse type; GetModelInvocationJob) in one region."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from services.domain.batch import WINDOW_HOURS, BatchJob, BatchStatus
from services.domain.errors import ProviderDataError, ProviderRejected, ProviderUnavailable, summarize

_NOT_FOUND = {"ResourceNotFoundException", "NotFoundException"}
_RETRYABLE = {"ThrottlingException", "InternalServerException", "ServiceUnavailableException"}


def _fail(action: str, exc: Exception) -> Exception:
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        code, message = error.get("Code", "Error"), summarize(str(error.get("Message", exc)))
        if code in _RETRYABLE:
            return ProviderUnavailable(f"Bedrock {action}: {code}: {message} Try again shortly.")
        return ProviderRejected(f"Bedrock {action}: {code}: {message}")
    return ProviderUnavailable(f"Bedrock {action}: could not reach the service ({summarize(str(exc))}).")


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
            raise _fail("CreateModelInvocationJob", exc) from exc
        return str(answer["jobArn"])

    def get_batch_job(self, arn: str) -> BatchJob | None:
        try:
            job = self._bedrock.get_model_invocation_job(jobIdentifier=arn)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in _NOT_FOUND:
                return None
            raise _fail("GetModelInvocationJob", exc) from exc
        except BotoCoreError as exc:
            raise _fail("GetModelInvocationJob", exc) from exc
        try:
            status = BatchStatus(job.get("status"))
        except ValueError:
            raise ProviderDataError(f"Bedrock GetModelInvocationJob: unknown status {job.get('status')!r}.") from None
        return BatchJob(
            arn=str(job["jobArn"]), status=status, message=str(job.get("message") or ""),
            processed=int(job.get("processedRecordCount") or 0), total=int(job.get("totalRecordCount") or 0),
        )  # fmt: skip
