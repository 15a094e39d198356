"""Custom models Bedrock makes without training, as the customization adapter follows them like jobs: an import
(CreateModelImportJob, GetModelImportJob; once complete, GetImportedModel's architecture, Converse support and
Custom Model Units), a registered SageMaker-trained Nova model (CreateCustomModel, then GetCustomModel's status),
and a copy from another region (GetModelCopyJob)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from services.adapters.bedrock_answers import aware, status_of
from services.domain.custom import JobInfo, JobStatus
from services.domain.errors import ProviderDataError
from services.domain.imports import ImportDetails

Call = Callable[..., Any]  # BedrockCustomization._call: (action, method, *, missing_ok, **params)


def copy_job(call: Call, job_arn: str) -> JobInfo | None:
    job = call("GetModelCopyJob", "get_model_copy_job", missing_ok=True, jobArn=job_arn)
    if job is None:
        return None
    status = status_of(JobStatus, job, "GetModelCopyJob")
    return JobInfo(
        job_arn=job["jobArn"], job_name=str(job.get("targetModelName") or job["jobArn"].rsplit("/", 1)[-1]),
        status=status, failure_message=job.get("failureMessage") if status is JobStatus.FAILED else None,
        custom_model_arn=job.get("targetModelArn") if status is JobStatus.COMPLETED else None,
        client_token=None, created_at=aware(job.get("creationTime")), custom_model_name=job.get("targetModelName"),
    )  # fmt: skip


def create_import_job(
    call: Call, *, job_name: str, model_name: str, role_arn: str, s3_uri: str, client_token: str,
    tags: list[dict[str, str]],
) -> str:  # fmt: skip
    params: dict[str, Any] = {
        "jobName": job_name,
        "importedModelName": model_name,
        "roleArn": role_arn,
        "modelDataSource": {"s3DataSource": {"s3Uri": s3_uri}},
        "clientRequestToken": client_token,
    }
    if tags:
        params["jobTags"] = params["importedModelTags"] = tags
    return str(call("CreateModelImportJob", "create_model_import_job", **params)["jobArn"])


def details(call: Call, model_arn: str) -> ImportDetails | None:
    model = call("GetImportedModel", "get_imported_model", missing_ok=True, modelIdentifier=model_arn)
    if model is None:
        return None
    units = model.get("customModelUnits") or {}
    return ImportDetails(
        architecture=str(model.get("modelArchitecture") or "unknown"),
        converse=bool(model.get("instructSupported")),
        custom_model_units=units.get("customModelUnitsPerModelCopy"),
        cmu_version=units.get("customModelUnitsVersion"),
        source_uri=str(((model.get("modelDataSource") or {}).get("s3DataSource") or {}).get("s3Uri") or ""),
    )


def import_job(call: Call, job_arn: str) -> JobInfo | None:
    job = call("GetModelImportJob", "get_model_import_job", missing_ok=True, jobIdentifier=job_arn)
    if job is None:
        return None
    status = status_of(JobStatus, job, "GetModelImportJob")
    arn = job.get("importedModelArn") if status is JobStatus.COMPLETED else None
    return JobInfo(
        job_arn=job["jobArn"], job_name=str(job.get("jobName") or job["jobArn"].rsplit("/", 1)[-1]), status=status,
        failure_message=job.get("failureMessage") if status is JobStatus.FAILED else None,
        custom_model_arn=arn, end_time=aware(job.get("endTime")) if status is not JobStatus.IN_PROGRESS else None,
        created_at=aware(job.get("creationTime")), custom_model_name=job.get("importedModelName"),
        customization_type="IMPORTED", import_details=details(call, arn) if arn else None,
        training_uri=((job.get("modelDataSource") or {}).get("s3DataSource") or {}).get("s3Uri"),
    )  # fmt: skip


def imported_models(pages: Callable[[str, str, str], list[dict[str, Any]]], call: Call) -> list[JobInfo]:
    """Every imported model of the region (ListImportedModels) as a completed import, for adoption, with its Custom
    Model Units (GetImportedModel: one call per imported model the region has)."""
    found = []
    for m in pages("ListImportedModels", "list_imported_models", "modelSummaries"):
        known = details(call, str(m["modelArn"]))
        found.append(
            JobInfo(
                job_arn=str(m["modelArn"]),
                job_name=str(m["modelName"]),
                status=JobStatus.COMPLETED,
                custom_model_arn=str(m["modelArn"]),
                custom_model_name=str(m["modelName"]),
                created_at=aware(m.get("creationTime")),
                customization_type="IMPORTED",
                import_details=known
                or ImportDetails(
                    architecture=str(m.get("modelArchitecture") or "unknown"),
                    converse=bool(m.get("instructSupported")),
                ),
            )
        )
    return found


_MODEL_STATUS = {"Creating": JobStatus.IN_PROGRESS, "Active": JobStatus.COMPLETED, "Failed": JobStatus.FAILED}


def register(
    call: Call, *, model_name: str, role_arn: str, source: str, client_token: str, tags: list[dict[str, str]]
) -> str:
    """CreateCustomModel: a SageMaker AI-trained Nova model, from its S3 artifacts or its model package ARN."""
    params: dict[str, Any] = {"modelName": model_name, "roleArn": role_arn, "clientRequestToken": client_token}
    if source.startswith("s3://"):
        params["modelSourceConfig"] = {"s3DataSource": {"s3Uri": source}}
    else:
        params["customModelDataSource"] = {"modelPackageArnDataSource": {"modelPackageArn": source}}
    if tags:
        params["modelTags"] = tags
    return str(call("CreateCustomModel", "create_custom_model", **params)["modelArn"])


def registered(call: Call, model_arn: str) -> JobInfo | None:
    """A registered model followed like a job: GetCustomModel's modelStatus (Creating, Active, Failed)."""
    model = call("GetCustomModel", "get_custom_model", missing_ok=True, modelIdentifier=model_arn)
    if model is None:
        return None
    status = _MODEL_STATUS.get(str(model.get("modelStatus") or "Active"))
    if status is None:
        raise ProviderDataError(f"Bedrock GetCustomModel: unknown modelStatus {model.get('modelStatus')!r}.")
    return JobInfo(
        job_arn=model_arn, job_name=str(model.get("modelName") or model_arn.rsplit("/", 1)[-1]), status=status,
        failure_message=model.get("failureMessage") if status is JobStatus.FAILED else None,
        custom_model_arn=model_arn if status is JobStatus.COMPLETED else None,
        created_at=aware(model.get("creationTime")),
        custom_model_name=model.get("modelName"), customization_type="IMPORTED",
        base_model=str(model.get("baseModelArn", "")).rsplit("/", 1)[-1] or None,
    )  # fmt: skip
