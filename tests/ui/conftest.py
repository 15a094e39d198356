from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from services.bootstrap import Services
from services.catalog import CatalogService
from services.models import Lifecycle, Provider
from services.settings import load_settings
from tests.fakes import FakeCatalogSource, FakeClock, InMemoryCatalogStore, bedrock_model, openai_model
from ui import deps

APP = str(Path(__file__).resolve().parents[2] / "app.py")


class World:
    def __init__(self) -> None:
        self.store = InMemoryCatalogStore()
        self.bedrock = FakeCatalogSource(
            Provider.BEDROCK,
            [
                bedrock_model("amazon.titan-text-lite-v1:0:4k", name="Titan Text G1 - Lite"),
                bedrock_model(
                    "meta.llama3-1-8b-instruct-v1:0:128k",
                    name="Llama 3.1 8B Instruct",
                    vendor="Meta",
                    chat=True,
                ),
                bedrock_model("meta.llama2-13b-v1:0:4k", name="Llama 2 13B", vendor="Meta", lifecycle=Lifecycle.LEGACY),
            ],
        )
        self.openai = FakeCatalogSource(
            Provider.OPENAI,
            [
                openai_model("gpt-4o"),
                openai_model("text-embedding-3-small", output_modalities=("EMBEDDING",), chat=False),
            ],
        )
        self.catalog = CatalogService(
            self.store, {Provider.BEDROCK: self.bedrock, Provider.OPENAI: self.openai}, FakeClock()
        )
        self.services = Services(settings=load_settings(), catalog=self.catalog)


@pytest.fixture
def world(monkeypatch: pytest.MonkeyPatch) -> World:
    w = World()
    monkeypatch.setattr(deps, "get_services", lambda: w.services)  # the one sanctioned patch
    st.cache_data.clear()
    st.cache_resource.clear()
    return w


@pytest.fixture
def make_app() -> Callable[[], AppTest]:
    st.cache_resource.clear()
    return lambda: AppTest.from_file(APP, default_timeout=30)
