"""Activity: the audit trail of every state change, filterable, exportable as CSV."""

from __future__ import annotations

import streamlit as st

from ui import deps
from ui.activity_view import activity_frame
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
frame = activity_frame(shown)
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
