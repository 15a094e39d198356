"""Activity: the audit trail of every state change, filterable, exportable as CSV."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from ui import deps
from ui.components import csv_bytes

services = deps.services_or_stop()
st.title("Activity")
st.caption("Every state change: who, when, what, the status before and after, and the request it came from.")

events = services.audit.audit_events(limit=20_000)
if not events:
    st.info("Nothing has happened yet.")
    st.stop()
c1, c2, c3 = st.columns(3)
users = c1.multiselect("User", sorted({e.actor_id for e in events}), key="activity_users")
models = c2.multiselect(
    "Model", sorted({e.model_name or e.model_id or "" for e in events} - {""}), key="activity_models"
)
actions = c3.multiselect("Action", sorted({e.action for e in events}), key="activity_actions")
shown = [
    e
    for e in events
    if (not users or e.actor_id in users)
    and (not models or (e.model_name or e.model_id) in models)
    and (not actions or e.action in actions)
]
frame = pd.DataFrame(
    {
        "When (UTC)": [e.at.strftime("%Y-%m-%d %H:%M:%S") for e in shown],
        "User": [e.actor_id for e in shown],
        "Action": [e.action for e in shown],
        "Model": [e.model_name or "" for e in shown],
        "Model id": [e.model_id or "" for e in shown],
        "Before": [e.before or "" for e in shown],
        "After": [e.after or "" for e in shown],
        "Request": [e.request_id for e in shown],
        "Detail": [e.detail for e in shown],
    }
)
st.caption(f"{len(shown):,} of {len(events):,} events, newest first.")
st.dataframe(frame, hide_index=True, width="stretch", height=560)
st.download_button(
    "Export as CSV",
    data=lambda: csv_bytes(frame),
    file_name="model-studio-activity.csv",
    mime="text/csv",
    key="activity_export",
    icon=":material/download:",
)
