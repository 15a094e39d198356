"""The Endpoints page on the local backend as `make run` builds it: each endpoint and the model behind it, a
promotion confirmed in a dialog that names both models, the history, and roll back."""

from __future__ import annotations

from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from services.bootstrap import build_services
from services.settings import load_settings
from tests.support.apptest import behind_pages
from tests.support.factories import NOVA_MICRO, Served, State, custom_model, local_services, nova_jsonl
from tests.support.fakes import FakeClock
from tests.ui.test_customization_pages import texts
from ui import deps
from ui.state import Key


@pytest.fixture
def local(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    services, clock = local_services(tmp_path)
    behind_pages(services, monkeypatch)
    return services, clock


def page(make_app) -> AppTest:  # type: ignore[no-untyped-def]
    at = make_app().run()
    at.switch_page("views/endpoints.py").run()
    assert not at.exception
    return at


def test_no_endpoint_yet_says_how_to_make_one(local, make_app) -> None:
    assert "No endpoints yet" in texts(page(make_app))


def test_promote_in_a_dialog_that_names_both_models_then_roll_back(local, make_app) -> None:
    services, clock = local
    run6 = custom_model(Served(services, clock), State.DEPLOYED, name="bot-6", base=NOVA_MICRO, data=nova_jsonl())
    run7 = custom_model(Served(services, clock), State.COMPLETED, name="bot-7", base=NOVA_MICRO, data=nova_jsonl())
    at = page(make_app)
    assert "Serves bot-6" in texts(at).replace("**", "") and at.selectbox(key=Key.EP_CANDIDATE).value == run7.id
    at.button(key=Key.EP_PROMOTE).click().run()
    said = texts(at)
    assert "will serve bot-7 instead of bot-6, behind the same ARN" in said.replace("**", ""), said
    at.button(key=Key.EP_CONFIRM_PROMOTE).click().run()
    assert not at.exception
    [(endpoint, serving)] = services.endpoints.endpoints()
    assert serving is not None and serving.id == run7.id
    at = page(make_app)
    assert "Serves bot-7" in texts(at).replace("**", "")
    at.button(key=Key.EP_ROLLBACK).click().run()
    at.button(key=Key.EP_CONFIRM_ROLLBACK).click().run()
    assert services.endpoints.endpoints()[0][1].id == run6.id  # type: ignore[union-attr]
    assert [e.action for e in services.endpoints.get(endpoint.id)[0].history] == ["create", "promote", "rollback"]


def test_a_model_is_copied_to_another_region_from_its_configuration_tab(tmp_path, monkeypatch, make_app) -> None:
    from services.domain.identity import LOCAL_ADMIN
    from tests.ui.test_customization_pages import open_model

    clock = FakeClock()
    services = build_services(load_settings(data_dir=tmp_path, aws_regions=["us-east-1", "us-west-2"]), clock=clock)
    services.start(background=False)
    monkeypatch.setattr(deps, "get_services", lambda: services)
    st.cache_data.clear()
    st.cache_resource.clear()
    model = custom_model(Served(services, clock), State.COMPLETED, name="bot", base=NOVA_MICRO, data=nova_jsonl())
    at = open_model(make_app, None, model.id, "Configuration")  # type: ignore[arg-type]
    assert at.selectbox(key=Key.CM_COPY_REGION).options == ["us-west-2"]
    at.button(key=Key.CM_COPY).click().run()
    assert not at.exception
    copies = [m for m in services.customization.list() if m.copied_from == model.id]
    assert len(copies) == 1 and copies[0].region == "us-west-2" and copies[0].created_by == LOCAL_ADMIN.id
