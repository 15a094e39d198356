"""Fixtures for page tests: the app run by AppTest through app.py, on a World behind ui.deps."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from tests.support.fakes import World
from ui import deps

APP = str(Path(__file__).resolve().parents[2] / "app.py")


def behind_pages(services: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """``services`` behind the pages' one seam to them (the one sanctioned patch), with nothing cached before."""
    monkeypatch.setattr(deps, "get_services", lambda: services)
    st.cache_data.clear()
    st.cache_resource.clear()


@pytest.fixture
def world(world: World, monkeypatch: pytest.MonkeyPatch) -> World:
    """The tests' World (tests/conftest.py) behind the pages' one seam to the services."""
    behind_pages(world.services, monkeypatch)
    return world


@pytest.fixture
def make_app() -> Callable[[], AppTest]:
    from services.shared import reset_shared_services

    reset_shared_services()
    st.cache_resource.clear()
    return lambda: AppTest.from_file(APP, default_timeout=30)
