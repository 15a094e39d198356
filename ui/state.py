"""Every session-state and widget key, in one place."""

from __future__ import annotations

import hashlib
from enum import StrEnum

from services.models import ModelFilter


class Key(StrEnum):
    FLASH = "flash"
    SEARCH = "models_search"
    PROVIDERS = "models_providers"
    VENDORS = "models_vendors"
    TYPES = "models_types"
    STATUSES = "models_statuses"
    TRAITS = "models_traits"
    MODELS_TABLE = "models_table"
    SYNC = "models_sync"
    NEW_MODEL = "models_new"
    ENABLE_ONE = "models_enable_one"
    DISABLE_ONE = "models_disable_one"
    ENABLE_SELECTED = "models_enable_selected"
    DISABLE_SELECTED = "models_disable_selected"
    ENABLE_SHOWN = "models_enable_shown"
    DISABLE_SHOWN = "models_disable_shown"
    CONFIRM_BULK = "models_confirm_bulk"
    # Playground
    PG_MODELS = "playground_models"
    PG_SYSTEM = "playground_system"
    PG_MAX_TOKENS = "playground_max_tokens"
    PG_TEMPERATURE = "playground_temperature"
    PG_TURNS = "playground_turns"
    PG_ANSWERS = "playground_answers"
    PG_RESET = "playground_reset"
    PG_INPUT = "playground_input"
    CM_TRY = "custom_model_try"
    # New Model
    NM_BASE = "new_model_base"
    NM_REGION = "new_model_region"
    CM_DEPLOY = "custom_model_deploy"
    CM_REMOVE_DEPLOYMENT = "custom_model_remove_deployment"
    NM_FORM = "new_model_form"
    NM_NAME = "new_model_name"
    NM_DESCRIPTION = "new_model_description"
    NM_TYPE = "new_model_type"
    NM_TRAINING_FILE = "new_model_training_file"
    NM_TRAINING_URI = "new_model_training_uri"
    NM_VALIDATION_FILE = "new_model_validation_file"
    NM_VALIDATION_URI = "new_model_validation_uri"
    NM_FREE_HP = "new_model_free_hyperparameters"
    NM_CHECK = "new_model_check"
    NM_CREATE = "new_model_create"
    NM_CREATED = "new_model_created"
    NM_FROM = "new_model_from"  # the run the form was prefilled from ("New run from this one")
    # Custom model page
    CM_CLONE = "custom_model_clone"
    CM_DATA = "custom_model_data_summary"
    CM_CONFIRM_PROVISION = "custom_model_confirm_provision"
    CM_RUNS = "custom_model_runs"
    CM_RUNS_OPEN = "custom_model_runs_open"
    CM_RUNS_IDS = "custom_model_runs_ids"
    CM_RUNS_LAST = "custom_model_runs_last_click"
    CM_RUN_SEARCH = "custom_model_run_search"
    CM_RUN_JOBS = "custom_model_run_jobs"
    CM_RUN_BASES = "custom_model_run_bases"
    CM_TABS = "custom_model_tabs"
    CM_STOP = "custom_model_stop"
    CM_CONFIRM_STOP = "custom_model_confirm_stop"
    CM_ENABLE = "custom_model_enable"
    CM_DISABLE = "custom_model_disable"
    CM_UNITS = "custom_model_units"
    CM_PROVISION = "custom_model_provision"
    CM_REMOVE_PT = "custom_model_remove_throughput"
    CM_CONFIRM_REMOVE_PT = "custom_model_confirm_remove_throughput"
    CM_DELETE = "custom_model_delete"
    CM_DELETE_FORM = "custom_model_delete_form"
    CM_DELETE_WRONG = "custom_model_delete_wrong"
    CM_DELETE_NAME = "custom_model_delete_name"
    CM_DELETE_OPEN = "custom_model_delete_open"
    CM_CONFIRM_DELETE = "custom_model_confirm_delete"
    # Metrics
    MX_AXIS = "metrics_x_axis"
    MX_SMOOTH = "metrics_smoothing"
    MX_EXPORT = "metrics_export"
    DL_TRAINING = "download_training"
    DL_VALIDATION = "download_validation"
    DL_METRICS = "download_metrics"
    CMP_MODELS = "compare_models"
    CMP_METRIC = "compare_metric"
    CMP_AXIS = "compare_x_axis"
    CMP_LOG = "compare_log"
    CMP_SMOOTH = "compare_smoothing"
    CMP_EXPORT = "compare_export"
    # Costs
    EST_BASE = "estimate_base"
    EST_REGION = "estimate_region"
    EST_SOURCE = "estimate_source"
    EST_TOKENS = "estimate_tokens"
    EST_FILE = "estimate_file"
    EST_URI = "estimate_uri"
    EST_EPOCHS = "estimate_epochs"
    EST_MONTHS = "estimate_months"
    EST_UNITS = "estimate_units"
    EST_HOURS = "estimate_hours_per_day"
    EST_DAYS = "estimate_days"
    EST_OD_IN = "estimate_on_demand_input_tokens"
    EST_OD_OUT = "estimate_on_demand_output_tokens"
    EST_RUN = "estimate_run"


def hp_key(name: str, base_id: str) -> str:
    """Widget key of one hyperparameter input on the New Model form: one per base model, so choosing
    another base model shows that model's own defaults, not the previous model's values."""
    return f"new_model_hp_{base_id}_{name}"


def models_table_key(revision: int, flt: ModelFilter) -> str:
    """The table's widget key. It changes with the data and the filter, so a selection
    (row positions) never outlives the rows it was made on."""
    digest = hashlib.sha1(flt.model_dump_json().encode(), usedforsecurity=False).hexdigest()[:10]
    return f"{Key.MODELS_TABLE}:{revision}:{digest}"
