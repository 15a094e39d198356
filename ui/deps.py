"""The UI's single seam to the services (tests replace get_services)."""

from __future__ import annotations

import streamlit as st

from services.bootstrap import Services, shared_services
from services.errors import ServiceError
from services.identity import Actor
from ui.auth import current_actor, sidebar


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


def signed_in() -> Actor:
    """For app.py: make sure someone is signed in (or stop with a sign-in page) and say who."""
    services = services_or_stop()
    actor = get_actor()
    sidebar(actor, services.settings)
    return actor
