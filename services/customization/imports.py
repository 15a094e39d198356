"""Imported models (Custom Model Import): open weights from an S3 folder become a custom model of type IMPORTED
(CreateModelImportJob), followed like a job (GetModelImportJob), then served on demand by their own ARN and enabled
under the same rules as every custom model (services/domain/actions.py). The folder is checked before anything is
asked of Bedrock, in either backend, as Bedrock checks it (services/domain/imports.py): a refusal names the file.

A SageMaker AI-trained Amazon Nova model is registered instead (CreateCustomModel, from its S3 artifacts or its
model package): a custom model of its Nova base, type IMPORTED, served by provisioned throughput only."""

from __future__ import annotations

import hashlib
import re
import uuid
from datetime import datetime

from services.customization.base import ServiceBase
from services.customization.common import NAME_PATTERN, NAME_TAKEN
from services.domain.custom import CustomModel
from services.domain.errors import InvalidRequest
from services.domain.identity import Actor
from services.domain.imports import CONFIG_LIMIT, IMPORT_URL, Architecture, ImportDetails, folder_problems
from services.domain.models import ModelRecord, ModelType, Provider
from services.domain.s3uri import user_uri

MODEL_PACKAGE = re.compile(
    r"arn:aws[a-z\-]*:sagemaker:[a-z0-9\-]{9,16}:[0-9]{12}:model-package/[\S]{1,2048}"
)  # botocore
REGISTER_URL = "https://docs.aws.amazon.com/bedrock/latest/APIReference/API_CreateCustomModel.html"


def imported_base(architecture: Architecture, now: datetime) -> ModelRecord:
    """What the catalog row of an imported model inherits (its vendor and modalities) in place of a base model."""
    return ModelRecord(
        id=f"imported:{architecture.model_type}", provider=Provider.BEDROCK, model_id=architecture.model_type,
        model_type=ModelType.BASE,
        name=architecture.name, vendor=architecture.vendor, input_modalities=("TEXT",), output_modalities=("TEXT",),
        streaming=True, chat=True, first_seen=now, updated_at=now,
    )  # fmt: skip


class Imports(ServiceBase):
    def folder_check(self, location: str) -> tuple[Architecture | None, list[str]]:
        """The folder's architecture and why Bedrock would refuse it (each problem naming its file)."""
        user_uri(location, self._config.allowed_buckets, what="Model Data Location")  # the one rule, before a list
        prefix = location.strip().rstrip("/") + "/"
        files = {uri[len(prefix) :]: size for uri, size in self._objects.list(prefix) if uri.startswith(prefix)}
        if not files:
            return None, [f"Model Data Location {prefix}: no files there; upload the model's folder first."]
        config = None
        if "config.json" in files:
            with self._objects.open(prefix + "config.json") as stream:
                config = stream.read(CONFIG_LIMIT)
        return folder_problems(files, config)

    def start_import(self, name: str, location: str, *, actor: Actor, region: str | None = None) -> CustomModel:
        """Import the open weights at ``location`` as the custom model ``name``: checked first, nothing made when the
        folder or the name is refused or Bedrock refuses the job (the record is rolled back)."""
        name = name.strip()
        if not NAME_PATTERN.fullmatch(name):
            raise InvalidRequest(
                "Model Name: 1-63 letters or digits, each may be followed by one - or _ (Bedrock's ImportedModelName)."
            )
        if self._store.name_taken(name):
            raise InvalidRequest(f"{NAME_TAKEN}: {name}.")
        region = region or self._config.region
        if region not in self._config.job_regions:
            raise InvalidRequest(f"Region: {region} is not configured ({', '.join(self._config.job_regions)}).")
        location = location.strip().rstrip("/") + "/"
        architecture, problems = self.folder_check(location)
        if problems or architecture is None:
            raise InvalidRequest(f"The folder cannot be imported: {' '.join(problems)}", problems=problems)
        if not self._config.role_arn:
            raise InvalidRequest("No IAM role for import jobs: set STUDIO_CUSTOMIZATION_ROLE_ARN.")
        now = self._clock()
        token = hashlib.sha256(f"import/{name}/{location}".encode()).hexdigest()[:32]
        model = CustomModel(
            id=f"custom:{uuid.uuid4().hex[:16]}", name=name, description=f"Imported from {location}",
            base_model_id="", base_model_name=f"{architecture.name} (imported)", customization_type="IMPORTED",
            hyperparameters={}, training_uri=location, output_uri="", job_name=f"{name}-import"[:63],
            client_token=token, region=region, created_by=actor.id, created_at=now, updated_at=now,
            import_details=ImportDetails(
                architecture=architecture.model_type, converse=architecture.converse, source_uri=location
            ),
            token_method="not counted: imported weights",
        )  # fmt: skip
        role = self._config.role_arn
        return self._made_at_bedrock(
            model, imported_base(architecture, now), actor, "import", f"from {location} ({IMPORT_URL})",
            f"CreateModelImportJob in {region}",
            lambda: self._backend(region).create_import_job(
                job_name=model.job_name, model_name=name, role_arn=role, s3_uri=location, client_token=token,
                tags=dict(self._config.tags),
            ),
        )  # fmt: skip

    def bring(
        self, name: str, *, location: str | None, package: str | None, base_model_id: str | None, actor: Actor,
        region: str | None = None,
    ) -> CustomModel:  # fmt: skip
        """Open weights imported (no base model), or a SageMaker-trained Nova model registered (its Nova base, and its
        artifacts' location or its model package)."""
        if base_model_id is None:
            if location is None or package is not None:
                raise InvalidRequest(
                    "ModelDataLocation: the S3 folder of the weights (a model package needs BaseModelId)."
                )
            return self.start_import(name, location, actor=actor, region=region)
        if (location is None) == (package is None):
            raise InvalidRequest("Give the Nova model's ModelDataLocation or its ModelPackageArn (one of them).")
        return self.register(name, base_model_id, location or package or "", actor=actor, region=region)

    def register(
        self, name: str, base_model_id: str, source: str, *, actor: Actor, region: str | None = None
    ) -> CustomModel:
        """Register a SageMaker AI-trained Nova model (CreateCustomModel) from its S3 artifacts (through the bucket
        rule) or its model package ARN; nothing is made when it is refused."""
        name, source = name.strip(), source.strip()
        if not NAME_PATTERN.fullmatch(name):
            raise InvalidRequest("Model Name: 1-63 letters or digits, each may be followed by one - or _.")
        if self._store.name_taken(name):
            raise InvalidRequest(f"{NAME_TAKEN}: {name}.")
        base = self._catalog.get_model(base_model_id)
        if base is None or not base.model_id.startswith("amazon.nova-"):
            raise InvalidRequest(
                f"Base Model: CreateCustomModel registers SageMaker AI-trained Amazon Nova models only "
                f"({REGISTER_URL}); to import open weights, give no base model."
            )
        if source.startswith("s3://"):
            user_uri(source, self._config.allowed_buckets, what="Model Data Location")
        elif not MODEL_PACKAGE.fullmatch(source):
            raise InvalidRequest(
                "Model source: an s3:// URI of the model's artifacts or a SageMaker model package ARN."
            )
        region = region or self._config.region
        if region not in self._config.job_regions or not self._config.role_arn:
            raise InvalidRequest(
                f"Region: {region} is not configured, or no IAM role is set (STUDIO_CUSTOMIZATION_ROLE_ARN)."
            )
        now = self._clock()
        token = hashlib.sha256(f"register/{name}/{source}".encode()).hexdigest()[:32]
        model = CustomModel(
            id=f"custom:{uuid.uuid4().hex[:16]}", name=name, description=f"Registered from {source}",
            base_model_id=base.id, base_model_name=base.name, customization_type="IMPORTED", hyperparameters={},
            training_uri=source, output_uri="", job_name=name, client_token=token, region=region, created_by=actor.id,
            created_at=now, updated_at=now, token_method="not counted: trained in SageMaker AI",
        )  # fmt: skip
        role = self._config.role_arn
        return self._made_at_bedrock(
            model, base, actor, "register", "", f"CreateCustomModel in {region}",
            lambda: self._backend(region).register_model(
                model_name=name, role_arn=role, source=source, client_token=token, tags=dict(self._config.tags)
            ),
        )  # fmt: skip
