"""The Bedrock control plane for customization: jobs, custom models, provisioned throughput."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from services.adapters import bedrock_imports
from services.adapters.bedrock_answers import (
    CONFLICT,
    NOT_FOUND,
    aware,
    code_of,
    fail,
    status_of,
    tag_list,
)
from services.domain.availability import access_problem
from services.domain.custom import (
    DeploymentInfo,
    DeploymentStatus,
    JobInfo,
    JobRequest,
    JobStatus,
    ThroughputInfo,
    ThroughputStatus,
)

_STAGES = (
    ("trainingDetails", "Training"),
    ("dataProcessingDetails", "Data processing"),
    ("validationDetails", "Validation"),
)


def _stage(details: dict[str, Any]) -> str | None:
    """The furthest stage a job has reached (statusDetails), e.g. "Training: InProgress"."""
    for key, label in _STAGES:
        status = (details.get(key) or {}).get("status")
        if status and status != "NotStarted":
            return f"{label}: {status}"
    return None


class BedrockCustomization:
    def __init__(self, client: Any) -> None:
        self._bedrock = client

    def _call(self, action: str, method: str, *, missing_ok: bool = False, **params: Any) -> Any:
        """One Bedrock call with its errors translated; None when missing_ok and the resource is gone."""
        try:
            return getattr(self._bedrock, method)(**params)
        except ClientError as exc:
            if missing_ok and code_of(exc) in NOT_FOUND:
                return None
            raise fail(action, exc) from exc
        except BotoCoreError as exc:
            raise fail(action, exc) from exc

    # ---- jobs ----------------------------------------------------------------------------
    def create_job(self, request: JobRequest) -> str:
        params: dict[str, Any] = {
            "jobName": request.job_name,
            "customModelName": request.custom_model_name,
            "roleArn": request.role_arn,
            "baseModelIdentifier": request.base_model_identifier,
            "customizationType": request.customization_type,
            "trainingDataConfig": (
                {"invocationLogsConfig": dict(request.training_logs)}
                if request.training_logs
                else {"s3Uri": request.training_uri}
            ),
            "outputDataConfig": {"s3Uri": request.output_uri},
            "clientRequestToken": request.client_token,
        }
        if request.hyperparameters:  # a method with typed hyperparameters (RFT) sends them in its config
            params["hyperParameters"] = dict(request.hyperparameters)
        if request.customization_config:
            params["customizationConfig"] = dict(request.customization_config)
        if request.validation_uri:
            params["validationDataConfig"] = {"validators": [{"s3Uri": request.validation_uri}]}
        if request.tags:  # cost allocation: on the job and on the custom model it makes
            params["jobTags"] = params["customModelTags"] = tag_list(request.tags)
        if request.kms_key_id:
            params["customModelKmsKeyId"] = request.kms_key_id
        if request.vpc_subnets:
            params["vpcConfig"] = {
                "subnetIds": list(request.vpc_subnets),
                "securityGroupIds": list(request.vpc_security_groups),
            }
        try:
            return str(self._bedrock.create_model_customization_job(**params)["jobArn"])
        except ClientError as exc:
            if code_of(exc) in CONFLICT:
                # A retry of a request that went through: the same job answers for it.
                existing = self.get_job(request.job_name)
                if existing is not None and existing.client_token in (None, request.client_token):
                    return existing.job_arn
            raise fail("CreateModelCustomizationJob", exc) from exc
        except BotoCoreError as exc:
            raise fail("CreateModelCustomizationJob", exc) from exc

    def create_copy_job(self, source_arn: str, target_name: str, client_token: str) -> str:
        answer = self._call(
            "CreateModelCopyJob", "create_model_copy_job",
            sourceModelArn=source_arn, targetModelName=target_name, clientRequestToken=client_token,
        )  # fmt: skip
        return str(answer["jobArn"])

    def create_import_job(
        self, *, job_name: str, model_name: str, role_arn: str, s3_uri: str, client_token: str, tags: dict[str, str]
    ) -> str:
        return bedrock_imports.create_import_job(
            self._call, job_name=job_name, model_name=model_name, role_arn=role_arn, s3_uri=s3_uri,
            client_token=client_token, tags=tag_list(tags),
        )  # fmt: skip

    def register_model(
        self, *, model_name: str, role_arn: str, source: str, client_token: str, tags: dict[str, str]
    ) -> str:
        return bedrock_imports.register(
            self._call, model_name=model_name, role_arn=role_arn, source=source, client_token=client_token,
            tags=tag_list(tags),
        )  # fmt: skip

    def list_imports(self) -> list[JobInfo]:
        return bedrock_imports.imported_models(self._pages, self._call)

    def get_job(self, job_identifier: str) -> JobInfo | None:
        if ":model-copy-job/" in job_identifier:  # a model copy is followed like a job
            return bedrock_imports.copy_job(self._call, job_identifier)
        if ":model-import-job/" in job_identifier:  # so is an import, with the imported model's details
            return bedrock_imports.import_job(self._call, job_identifier)
        if ":custom-model/" in job_identifier:  # and a registration (CreateCustomModel), by its model's status
            return bedrock_imports.registered(self._call, job_identifier)
        job = self._call(
            "GetModelCustomizationJob", "get_model_customization_job", missing_ok=True, jobIdentifier=job_identifier
        )
        if job is None:
            return None
        status = status_of(JobStatus, job, "GetModelCustomizationJob")
        validation = job.get("validationMetrics") or []
        return JobInfo(
            job_arn=job["jobArn"],
            job_name=job["jobName"],
            status=status,
            failure_message=job.get("failureMessage") if status is JobStatus.FAILED else None,
            custom_model_arn=job.get("outputModelArn") if status is JobStatus.COMPLETED else None,
            client_token=job.get("clientRequestToken"),
            end_time=aware(job.get("endTime"))
            if status in (JobStatus.COMPLETED, JobStatus.FAILED, JobStatus.STOPPED)
            else None,
            training_loss=(job.get("trainingMetrics") or {}).get("trainingLoss"),
            validation_loss=validation[0].get("validationLoss") if validation else None,
            stage=_stage(job.get("statusDetails") or {}),
            custom_model_name=job.get("outputModelName"),
            base_model=str(job.get("baseModelArn", "")).rsplit("/", 1)[-1] or None,
            training_uri=(job.get("trainingDataConfig") or {}).get("s3Uri")
            or ((job.get("trainingDataConfig") or {}).get("invocationLogsConfig") or {})
            .get("invocationLogSource", {})
            .get("s3Uri"),
            training_logs=(job.get("trainingDataConfig") or {}).get("invocationLogsConfig") or None,
            validation_uri=next(
                (v.get("s3Uri") for v in (job.get("validationDataConfig") or {}).get("validators", [])), None
            ),
            output_uri=(job.get("outputDataConfig") or {}).get("s3Uri"),
            hyperparameters={str(k): str(v) for k, v in (job.get("hyperParameters") or {}).items()},
            created_at=aware(job.get("creationTime")),
            customization_type=str(job.get("customizationType") or "FINE_TUNING"),
            customization_config=job.get("customizationConfig") or None,
        )

    def _pages(self, action: str, method: str, key: str) -> list[dict[str, Any]]:
        """Every item of a paginated List call."""
        items: list[dict[str, Any]] = []
        token: str | None = None
        while True:
            params: dict[str, Any] = {"maxResults": 100} | ({"nextToken": token} if token else {})
            page = self._call(action, method, **params)
            items += page.get(key, [])
            token = page.get("nextToken")
            if not token:
                return items

    def list_jobs(self) -> list[JobInfo]:
        summaries = self._pages(
            "ListModelCustomizationJobs", "list_model_customization_jobs", "modelCustomizationJobSummaries"
        )
        return [
            JobInfo(
                job_arn=s["jobArn"],
                job_name=s["jobName"],
                status=status_of(JobStatus, s, "ListModelCustomizationJobs"),
                custom_model_arn=s.get("customModelArn"),
            )
            for s in summaries
        ]

    def custom_model_arns(self) -> set[str]:
        return {str(m["modelArn"]) for m in self._pages("ListCustomModels", "list_custom_models", "modelSummaries")}

    def stop_job(self, job_identifier: str) -> None:
        self._call("StopModelCustomizationJob", "stop_model_customization_job", jobIdentifier=job_identifier)

    def delete_custom_model(self, model_identifier: str) -> bool:
        if ":imported-model/" in model_identifier:
            done = self._call(
                "DeleteImportedModel", "delete_imported_model", missing_ok=True, modelIdentifier=model_identifier
            )
            return done is not None
        done = self._call("DeleteCustomModel", "delete_custom_model", missing_ok=True, modelIdentifier=model_identifier)
        return done is not None

    # ---- provisioned throughput (no commitment: commitmentDuration omitted) ------------------
    def create_throughput(
        self,
        *,
        name: str,
        model_arn: str,
        model_units: int,
        client_token: str,
        tags: dict[str, str] | None = None,
        commitment: str | None = None,
    ) -> str:
        params: dict[str, Any] = {
            "modelUnits": model_units,
            "provisionedModelName": name,
            "modelId": model_arn,
            "clientRequestToken": client_token,
        }
        if commitment:
            params["commitmentDuration"] = commitment
        if tags:
            params["tags"] = tag_list(tags)
        response = self._call("CreateProvisionedModelThroughput", "create_provisioned_model_throughput", **params)
        return str(response["provisionedModelArn"])

    def get_throughput(self, identifier: str) -> ThroughputInfo | None:
        pt = self._call(
            "GetProvisionedModelThroughput",
            "get_provisioned_model_throughput",
            missing_ok=True,
            provisionedModelId=identifier,
        )
        if pt is None:
            return None
        return ThroughputInfo(
            arn=pt["provisionedModelArn"],
            name=pt["provisionedModelName"],
            status=status_of(ThroughputStatus, pt, "GetProvisionedModelThroughput"),
            model_units=int(pt["modelUnits"]),
            failure_message=pt.get("failureMessage"),
        )

    # ---- on-demand deployments ---------------------------------------------------------------
    def create_deployment(self, *, name: str, model_arn: str, client_token: str, tags: dict[str, str]) -> str:
        params: dict[str, Any] = {
            "modelDeploymentName": name,
            "modelArn": model_arn,
            "clientRequestToken": client_token,
        }
        if tags:
            params["tags"] = tag_list(tags)
        response = self._call("CreateCustomModelDeployment", "create_custom_model_deployment", **params)
        return str(response["customModelDeploymentArn"])

    def get_deployment(self, identifier: str) -> DeploymentInfo | None:
        found = self._call(
            "GetCustomModelDeployment",
            "get_custom_model_deployment",
            missing_ok=True,
            customModelDeploymentIdentifier=identifier,
        )
        if found is None:
            return None
        return DeploymentInfo(
            arn=found["customModelDeploymentArn"],
            name=found.get("modelDeploymentName", ""),
            status=status_of(DeploymentStatus, found, "GetCustomModelDeployment"),
            failure_message=found.get("failureMessage"),
        )

    def delete_deployment(self, identifier: str) -> bool:
        done = self._call(
            "DeleteCustomModelDeployment",
            "delete_custom_model_deployment",
            missing_ok=True,
            customModelDeploymentIdentifier=identifier,
        )
        return done is not None

    def update_deployment(self, identifier: str, model_arn: str) -> None:
        self._call(
            "UpdateCustomModelDeployment",
            "update_custom_model_deployment",
            customModelDeploymentIdentifier=identifier,
            modelArn=model_arn,
        )

    def update_throughput(self, identifier: str, model_arn: str) -> None:
        self._call(
            "UpdateProvisionedModelThroughput",
            "update_provisioned_model_throughput",
            provisionedModelId=identifier,
            desiredModelId=model_arn,
        )

    def model_access(self, model_id: str) -> str | None:
        region = self._bedrock.meta.region_name
        try:
            found = self._bedrock.get_foundation_model_availability(modelId=model_id)
        except ClientError as exc:
            if code_of(exc) in NOT_FOUND:
                return f"{model_id} is not offered in {region}."
            return None  # Bedrock could not say (a permission missing, say): the job's own checks decide
        except BotoCoreError:
            return None
        return access_problem(model_id, region, found)

    def logging_destination(self) -> str | None:
        found = self._call("GetModelInvocationLoggingConfiguration", "get_model_invocation_logging_configuration")
        config = (found or {}).get("loggingConfig") or {}
        bucket = (config.get("s3Config") or {}).get("bucketName")
        if not bucket or not config.get("textDataDeliveryEnabled"):
            return None
        prefix = str((config.get("s3Config") or {}).get("keyPrefix") or "").strip("/")
        return f"s3://{bucket}/{prefix}/" if prefix else f"s3://{bucket}/"

    def enable_logging(self, s3_uri: str) -> None:
        found = self._call("GetModelInvocationLoggingConfiguration", "get_model_invocation_logging_configuration")
        config = dict((found or {}).get("loggingConfig") or {})  # CloudWatch and other deliveries stay as they are
        bucket, _, prefix = s3_uri.removeprefix("s3://").partition("/")
        config["s3Config"] = {"bucketName": bucket} | ({"keyPrefix": prefix.strip("/")} if prefix.strip("/") else {})
        config["textDataDeliveryEnabled"] = True
        self._call(
            "PutModelInvocationLoggingConfiguration", "put_model_invocation_logging_configuration", loggingConfig=config
        )

    def delete_throughput(self, identifier: str) -> None:
        self._call(
            "DeleteProvisionedModelThroughput",
            "delete_provisioned_model_throughput",
            missing_ok=True,
            provisionedModelId=identifier,
        )
