"""Acting from a page: one service call from a button, and one message that says how it went
(kept in the session across the rerun the click starts, shown escaped)."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from services.domain.errors import ServiceError
from ui import deps
from ui.components import md_escape
from ui.dialogs import then_close
from ui.state import Key


def flash(kind: str, text: str) -> None:
    st.session_state.setdefault(Key.FLASH, []).append((kind, text))  # shown escaped by show_flashes


def act(label: str, action: Callable[..., object], *args: object) -> None:
    """Run one service call from a button callback and say how it went."""
    try:
        action(*args, actor=deps.get_actor().for_request())
    except ServiceError as exc:
        flash("error", f"{label}: {exc}")
    else:
        flash("success", f"{label}: done.")


act_and_close = then_close(act)  # a dialog button's callback: act once, then close the dialog


def show_flashes() -> None:
    for kind, text in st.session_state.setdefault(Key.FLASH, []):
        getattr(st, kind)(md_escape(text))  # names in messages are shown as text
    st.session_state[Key.FLASH] = []
