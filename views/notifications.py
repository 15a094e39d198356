"""Notices: what the signed-in user is told about (in the bell and by e-mail), and every notice they got."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from services.domain.errors import ServiceError
from services.notices.events import DESCRIPTIONS, EVENTS, TITLES
from ui import deps

services = deps.services_or_stop()
actor = deps.get_actor()
st.title("Notices")
st.caption(
    "Jobs finishing, throughput in service, idle or removed, models disabled, evaluations finished, the monthly "
    "budget. Webhooks (STUDIO_WEBHOOK_URLS) get every event; the bell and e-mail get what you choose here."
)

SAVED = "notice_prefs_saved"
prefs = services.subscriptions.prefs_for(actor.id, actor.is_admin)
with st.form("notice_prefs"):
    st.checkbox("Every event", value=prefs.events is None, key="prefs_every")
    st.multiselect(
        "Events (when not every event)",
        EVENTS,
        default=list(prefs.events or ()),
        format_func=lambda e: f"{e}: {DESCRIPTIONS[e]}",
        key="prefs_events",
    )
    scopes = {"own": "Models I created", "all": "Every model (admins)"}
    st.radio(
        "About",
        list(scopes),
        index=list(scopes).index(prefs.scope),
        format_func=scopes.__getitem__,
        horizontal=True,
        disabled=not actor.is_admin,
        help=None if actor.is_admin else "Members get notices about the models they created.",
        key="prefs_scope",
    )
    smtp = services.settings.smtp_url is not None
    st.checkbox(
        f"Also by e-mail to {actor.id}" if "@" in actor.id else "Also by e-mail (your id is not an address)",
        value=prefs.email,
        help=None if smtp else "E-mail is off: STUDIO_SMTP_URL is not set.",
        key="prefs_email",
    )
    st.form_submit_button("Save", type="primary", on_click=lambda: _save())


def _save() -> None:
    """The form's callback: saved before the page (and the sidebar's bell) is drawn again."""
    state = st.session_state
    try:
        services.subscriptions.choose(
            actor,
            events=None if state["prefs_every"] else list(state["prefs_events"]),
            scope="all" if state["prefs_scope"] == "all" else "own",
            email=bool(state["prefs_email"]),
        )
    except ServiceError as exc:
        state[SAVED] = ("error", str(exc))
    else:
        state[SAVED] = ("success", "Saved: the bell and e-mail follow it from now on.")


said = st.session_state.pop(SAVED, None)
if said is not None:
    (st.error if said[0] == "error" else st.success)(said[1])

notices, unread = services.subscriptions.unread(actor, limit=500)
st.subheader(f"Your notices ({len(unread)} new)" if unread else "Your notices")
if not notices:
    st.info("No notices for you yet.")
    st.stop()
st.dataframe(
    pd.DataFrame(
        [
            {"At": n.at, "New": n in unread, "Event": TITLES.get(n.event, n.event),
             "Model": n.model_name or n.model_id or "all models",
             "Status": n.status or "", "Detail": n.detail, "Id": n.id}
            for n in notices
        ]
    ),
    hide_index=True,
    width="stretch",
)  # fmt: skip
if unread and st.button("Mark all read", key="notices_page_read"):
    services.subscriptions.mark_read(actor, max(n.at for n in notices))
    st.rerun()
