"""The Import Model page on the local backend as `make run` builds it: Check folder says what Bedrock would refuse,
naming the file; Import makes the imported custom model and opens its page."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.support.apptest import behind_pages
from tests.support.factories import local_services
from tests.ui.test_customization_pages import texts
from tests.unit.customization.test_imports import FOLDER, put_folder
from ui.state import Key


@pytest.fixture
def local(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    services, clock = local_services(tmp_path)
    behind_pages(services, monkeypatch)
    return services, clock


def page(make_app) -> AppTest:  # type: ignore[no-untyped-def]
    at = make_app().run()
    at.switch_page("views/import_model.py").run()
    assert not at.exception
    return at


def test_check_folder_names_the_missing_file_and_import_opens_the_model(local, make_app) -> None:
    services, _ = local
    put_folder(services, "s3://model-studio/weights/half/", skip="tokenizer_config.json")
    put_folder(services)
    at = page(make_app)
    at.text_input(key=Key.IM_NAME).set_value("support-llama")
    at.text_input(key=Key.IM_LOCATION).set_value("s3://model-studio/weights/half/")
    at.button[0].click().run()  # Check folder
    assert "tokenizer_config.json: missing from the folder" in texts(at)
    at.text_input(key=Key.IM_LOCATION).set_value(FOLDER)
    at.button[0].click().run()
    assert "Ready to import: a Llama model, called by Converse" in texts(at)
    at.button[1].click().run()  # Import
    assert not at.exception
    [model] = [m for m in services.customization.list() if m.name == "support-llama"]
    assert model.customization_type == "IMPORTED" and at.query_params.get("model") in (model.id, [model.id])
