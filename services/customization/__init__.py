"""Custom models: create by fine-tuning, follow the job, provision and remove throughput, stop,
delete. Owns every rule of the custom-model lifecycle in DESIGN.md, in parts with one job each:
common (requests, configuration), base (writes and audit events), checks (form and data),
submit (create, idempotently), lifecycle (refresh, stop, throughput, delete), reconcile."""

from services.customization.common import (
    CustomizationConfig,
    DataCheck,
    DataInput,
    NewCustomModel,
    Progress,
    ReconcileReport,
    Upload,
)
from services.customization.external import ExternalModels
from services.customization.submit import Submissions


class CustomizationService(Submissions, ExternalModels):
    """The customization service: every part above, over one store, object store and backend."""


__all__ = [
    "CustomizationConfig",
    "CustomizationService",
    "DataCheck",
    "DataInput",
    "NewCustomModel",
    "Progress",
    "ReconcileReport",
    "Upload",
]
