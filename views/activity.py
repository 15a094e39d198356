"""Activity: the audit trail of every state change, filterable, exportable as CSV."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from ui import deps
from ui.activity_view import activity_frame
from ui.components import csv_bytes, page_of, rows_height

services = deps.services_or_stop()
st.title("Activity")
st.caption("Every state change: who, when, what, the status before and after, and the request it came from.")

deliveries = services.dispatcher.log()
with st.expander(f"Notice deliveries ({len(deliveries):,})", icon=":material/outgoing_mail:"):
    if not deliveries:
        st.caption(
            "No notice delivered yet. Webhooks: STUDIO_WEBHOOK_URLS (signed with STUDIO_WEBHOOK_SECRET); e-mail: "
            "STUDIO_SMTP_URL, to a model's owner and the admins."
        )
    else:
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "Updated": d.updated_at, "Event": n.event, "Model": n.model_name or n.model_id or "",
                        "Receiver": d.receiver, "State": d.state, "Attempts": d.attempts,
                        "Next try": d.next_at if d.state == "retrying" else None, "Answer": d.answer, "Id": n.id,
                    }
                    for d, n in deliveries
                ]
            ),
            hide_index=True,
            width="stretch",
        )  # fmt: skip

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
page = page_of(frame, "activity_page", 50)
st.dataframe(page, hide_index=True, width="stretch", height=rows_height(len(page)))
st.download_button(
    "Export as CSV",
    data=lambda: csv_bytes(frame),
    file_name="model-studio-activity.csv",
    mime="text/csv",
    key="activity_export",
    icon=":material/download:",
)
