"""Confirmation dialogs that close after one click and leave the page showing the new state.

In the browser a click inside an ``st.dialog`` reruns only the dialog, so a button callback that
changes something would leave the dialog open over a page that still shows the old state (and a
second click would send the request again). The callback marks the dialog done; the dialog's first
line sees the mark and reruns the whole app, which closes the dialog and redraws the page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

DONE = "dialog_done"


def then_close(callback: Callable[..., Any]) -> Callable[..., None]:
    """``callback`` for a dialog's button: run it once, then close the dialog."""

    def run(*args: Any, **kwargs: Any) -> None:
        if st.session_state.get(DONE):
            return  # a second click before the rerun: the request was already sent
        callback(*args, **kwargs)
        st.session_state[DONE] = True

    return run


def close_if_done() -> None:
    """The first line of every confirmation dialog."""
    if st.session_state.pop(DONE, False):
        st.rerun()
