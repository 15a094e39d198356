"""The audit trail as a table (shown on the Activity page, exported as CSV through csv_bytes)."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from services.domain.records import AuditEvent


def activity_frame(events: Sequence[AuditEvent]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "When (UTC)": [e.at.strftime("%Y-%m-%d %H:%M:%S") for e in events],
            "User": [e.actor_id for e in events],
            "Action": [e.action for e in events],
            "Model": [e.model_name or "" for e in events],
            "Model id": [e.model_id or "" for e in events],
            "Before": [e.before or "" for e in events],
            "After": [e.after or "" for e in events],
            "Request": [e.request_id for e in events],
            "Detail": [e.detail for e in events],
        }
    )
