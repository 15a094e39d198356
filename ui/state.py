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
    BULK_REQUEST = "models_bulk_request"


def models_table_key(revision: int, flt: ModelFilter) -> str:
    """The table's widget key. It changes with the data and the filter, so a selection
    (row positions) never outlives the rows it was made on."""
    digest = hashlib.sha1(flt.model_dump_json().encode(), usedforsecurity=False).hexdigest()[:10]
    return f"{Key.MODELS_TABLE}:{revision}:{digest}"
