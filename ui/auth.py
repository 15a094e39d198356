"""Who is using the UI: an OIDC sign-in (st.login), a user named by an authenticating proxy's
header, or, in local mode without sign-in, the local admin. Roles are enforced by the services;
this only finds the actor and says who it is."""

from __future__ import annotations

import streamlit as st

from services.access.signin import Identities
from services.domain.identity import Actor
from services.settings import Settings
from ui.components import md_escape


def _groups(value: object) -> list[str]:
    if isinstance(value, str):
        return [g.strip() for g in value.split(",") if g.strip()]
    if isinstance(value, list | tuple):
        return [str(g) for g in value]
    return []


def _one_header(name: str) -> str:
    """The value of a sign-in header sent once; a repeated one (which a proxy that appends
    instead of overwriting would let through) stops the page."""
    values = st.context.headers.get_all(name)
    if len(values) > 1:
        st.error(f"Not signed in: the {name} header was sent {len(values)} times; the proxy must set it once.")
        st.stop()
    return values[0].strip() if values else ""


def current_actor(settings: Settings, identities: Identities) -> Actor:
    """The actor of this session; stops the page (with a sign-in button or a message) if none."""
    mode = settings.sign_in
    if mode == "oidc":
        if not st.user.is_logged_in:
            st.title("Model Studio")
            st.info("Sign in to continue.")
            st.button("Sign in", type="primary", on_click=st.login)
            st.stop()
        email = str(st.user.get("email") or st.user.get("sub") or "")
        name = str(st.user.get("name") or email)
        return identities.signed_in(email, name, _groups(st.user.get(settings.groups_claim)), "oidc")
    if mode == "header":
        header = settings.trusted_user_header or ""
        email = _one_header(header)
        if not email:
            st.error(f"Not signed in: the authenticating proxy sent no {header} header.")
            st.stop()
        # Groups come only from a header named on purpose (STUDIO_TRUSTED_GROUPS_HEADER), which the
        # proxy overwrites; a header a browser can send by itself never makes anyone an admin.
        groups_header = settings.trusted_groups_header
        groups = _groups(_one_header(groups_header)) if groups_header else []
        return identities.signed_in(email, email, groups, "header")
    return identities.without_sign_in()


def sidebar(actor: Actor, settings: Settings) -> None:
    with st.sidebar:
        if actor.via == "local":
            st.caption(
                "Local mode: no sign-in; everyone is the local admin, and the server listens on this machine only."
            )
        elif actor.via == "anonymous":
            st.warning("No sign-in (STUDIO_ALLOW_ANONYMOUS): everyone is an admin.")
        else:
            st.caption(f"Signed in as {md_escape(actor.name)} ({actor.role.value}).")
            if actor.via == "oidc":
                st.button("Sign out", on_click=st.logout)
