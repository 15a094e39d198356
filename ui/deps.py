"""The UI's single seam to the services (tests replace get_services)."""

from __future__ import annotations

from urllib.parse import quote

import streamlit as st

from services.bootstrap import Services
from services.domain.errors import ServiceError
from services.domain.identity import Actor
from services.notices.events import TITLES
from services.shared import shared_services
from ui.auth import current_actor, sidebar
from ui.components import md_escape


@st.cache_resource(show_spinner="Starting Model Studio…")
def get_services() -> Services:
    return shared_services()  # the same instance the REST API uses


def services_or_stop() -> Services:
    """The services, or a clear message (bad settings, unreachable database) and a stopped page."""
    try:
        return get_services()
    except ServiceError as exc:
        st.error(f"Model Studio cannot start.\n\n{exc}", icon=":material/error:")
        st.stop()
        raise  # unreachable: st.stop() raises
    except Exception as exc:  # e.g. the database is unreachable
        st.error(
            f"Model Studio cannot start: {type(exc).__name__}: {exc}",
            icon=":material/error:",
        )
        st.stop()
        raise


def get_actor() -> Actor:
    """Who is using this session (tests replace this, like get_services)."""
    services = get_services()
    return current_actor(services.settings, services.identities)


def bell(services: Services, actor: Actor) -> None:
    """The sidebar's bell: the notices the user gets (services/notices/subscriptions.py) since they last marked
    them read; what was read stays read in every browser (it is stored)."""
    notices, unread = services.subscriptions.unread(actor, limit=20)
    with st.sidebar.popover(f"{len(unread)} new" if unread else "Notices", icon=":material/notifications:"):
        if not notices:
            st.caption("No notices yet: jobs finishing, throughput in service or idle, models disabled.")
        for n in notices:
            new = "**new** · " if n in unread else ""
            about = md_escape(n.model_name or n.model_id or "all models")
            if n.model_id and n.model_id.startswith("custom:"):  # its page, one click away
                about = f"[{about}](/custom-models?model={quote(n.model_id)})"
            st.markdown(
                f"{new}**{TITLES.get(n.event, n.event)}** · {about} · {n.at:%Y-%m-%d %H:%M}"
                + (f"  \n{md_escape(n.detail)}" if n.detail else "")
            )
        if unread and st.button("Mark all read", key="notices_mark_read"):
            services.subscriptions.mark_read(actor, max(n.at for n in notices))
            st.rerun()
        st.caption("Choose which notices you get on the Notices page (Audit).")


def signed_in() -> Actor:
    """For app.py: make sure someone is signed in (or stop with a sign-in page) and say who."""
    services = services_or_stop()
    actor = get_actor()
    sidebar(actor, services.settings)
    bell(services, actor)
    return actor
