"""Custom models: create by fine-tuning, follow the job, provision and remove throughput, stop,
delete. Owns every rule of the custom-model lifecycle in DESIGN.md, in parts with one job each:
common (requests, configuration), base (what the parts share: collaborators, versioned writes with
their audit events), checks (form and data), submit (create, idempotently), lifecycle (refresh,
stop, throughput, delete), reconcile, external (adoption), grading (Test grader).
``CustomizationService`` composes them."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from services.customization.base import Collaborators, KeptCustomModels
from services.customization.checks import Checks
from services.customization.common import (
    Clock,
    CustomizationConfig,
    DataCheck,
    DataInput,
    NewCustomModel,
    Progress,
    ReconcileReport,
)
from services.customization.copies import Copies
from services.customization.external import ExternalModels
from services.customization.grading import GraderTrials
from services.customization.imports import Imports
from services.customization.invocation_logging import InvocationLogging
from services.customization.lifecycle import CustomView, ModelLifecycle
from services.customization.lineage import lineage
from services.customization.reconcile import Reconciling
from services.customization.serving import ServingMoves
from services.customization.submit import Submissions
from services.domain.custom import CustomModel
from services.domain.uploads import Upload
from services.ports import (
    AuditStore,
    CatalogStore,
    CustomizationBackend,
    CustomModelStore,
    GraderRunner,
    ObjectStore,
)


class CustomizationService:
    """The one door to custom models: a thin facade whose methods are its parts' methods. The parts
    share one set of collaborators; each owns its rules (checks decides, submissions create,
    lifecycle changes a model after submission, reconciling repairs, adoption finds outside jobs)."""

    def lineage(self, model: CustomModel) -> list[tuple[str, str]]:
        """(id, name) from the foundation model through each model it was tuned further from, to ``model``."""
        return lineage(model, self._store.get_custom)

    def __init__(
        self,
        catalog: CatalogStore,
        store: CustomModelStore,
        objects: ObjectStore,
        backend: CustomizationBackend | Mapping[str, CustomizationBackend],
        config: CustomizationConfig,
        clock: Clock = lambda: datetime.now(UTC),
        graders: GraderRunner | None = None,
        audit: AuditStore | None = None,
    ) -> None:
        parts = Collaborators(catalog, store, objects, backend, config, clock)
        self._store = store
        self.role_arn, self.region = config.role_arn, config.region  # batch jobs run under the same role
        self.checks = Checks(parts)
        self.logging = InvocationLogging(parts, self.checks, audit)
        self.grading = GraderTrials(parts, self.checks, graders)
        self.test_grader = self.grading.test_grader
        self.submissions = Submissions(parts, self.checks)
        self.lifecycle = ModelLifecycle(parts)
        self.reconciling = Reconciling(parts, self.lifecycle)
        self.adoption = ExternalModels(parts)
        self.copies = Copies(parts)  # a custom model copied to another region
        self.copy = self.copies.copy
        self.imports = Imports(parts)  # open weights imported (CreateModelImportJob)
        self.start_import = self.imports.start_import
        self.register = self.imports.register  # a SageMaker-trained Nova model (CreateCustomModel)
        self.serving = ServingMoves(parts)  # an endpoint's way to serve moved from one model to another
        # reading
        self.get = self.lifecycle.get
        self.list = self.lifecycle.list
        kept = KeptCustomModels(store)  # the gateway's read, from memory while the catalog's revision holds
        self.get_at, self.list_at = kept.get_at, kept.list_at
        self.subject = self.lifecycle.subject
        self.view = self.lifecycle.view  # the page and the API route: one read
        self.rerun_request = self.lifecycle.rerun_request
        self.active_throughputs = self.lifecycle.active_throughputs
        # what the form offers, and the checks of a request
        self.base_model_choices = self.checks.base_model_choices
        self.family_of = self.checks.family_of
        self.teacher_choices = self.checks.teacher_choices
        self.further_choices = self.checks.further_choices
        self.foundation_of = self.checks.foundation_of
        self.teaching = self.checks.teaching
        self.max_model_units = self.checks.max_model_units
        self.regions_for = self.checks.regions_for
        self.job_region = self.checks.job_region
        self.check_request = self.checks.check_request
        self.check_hyperparameters = self.checks.check_hyperparameters
        self.check_whole = self.checks.check_whole
        self.with_data = self.checks.with_data
        self.check_data = self.checks.check_data
        # changes
        self.create = self.submissions.create
        self.refresh = self.lifecycle.refresh
        self.refresh_quietly = self.lifecycle.refresh_quietly
        self.stop = self.lifecycle.stop
        self.provision_throughput = self.lifecycle.provision_throughput
        self.remove_throughput = self.lifecycle.remove_throughput
        self.deploy = self.lifecycle.deploy
        self.remove_deployment = self.lifecycle.remove_deployment
        self.set_idle_guard = self.lifecycle.set_idle_guard
        self.delete = self.lifecycle.delete
        self.reconcile = self.reconciling.reconcile
        self.adopt_external = self.adoption.adopt_external


__all__ = [
    "CustomView",
    "CustomizationConfig",
    "CustomizationService",
    "DataCheck",
    "DataInput",
    "NewCustomModel",
    "Progress",
    "ReconcileReport",
    "Upload",
]
