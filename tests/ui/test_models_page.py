from __future__ import annotations

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from services.domain.errors import ProviderUnavailable
from services.domain.models import ModelFilter, Status
from tests.support.factories import LLAMA
from tests.support.fakes import ADMIN, World
from ui.state import Key, models_table_key


def texts(at: AppTest) -> str:
    return re.sub(r"\\(.)", r"\1", _texts(at))


def _texts(at: AppTest) -> str:
    parts = [
        e.value for kind in ("markdown", "caption", "info", "success", "warning", "error") for e in getattr(at, kind)
    ]
    return "\n".join(str(p) for p in parts)


def table(at: AppTest):
    return at.dataframe[0].value


def select_rows(at: AppTest, world: World, rows: list[int], flt: ModelFilter | None = None) -> None:
    key = models_table_key(world.store.catalog.revision(), flt or ModelFilter())
    at.session_state[key] = {"selection": {"rows": rows, "columns": [], "cells": []}}


def test_the_table_lists_every_model_with_its_light_and_next_action(world: World, make_app) -> None:
    world.catalog.sync(actor=ADMIN)
    at = make_app().run()
    assert not at.exception
    df = table(at)
    assert list(df.columns) == [  # what to read first, first: it fits 1280 px up to Options
        "Status",
        "Model Name",
        "Model Type",
        "Model Traits",
        "Next action",
        "Options",
        "Model Provider",
        "Vendor",
        "Model ID",
    ]
    assert len(df) == 6
    assert set(df["Status"]) == {"● YELLOW"}
    assert set(df["Options"]) == {"Enable"}
    assert "Text generation · Chat" in df.loc[LLAMA, "Model Traits"]
    assert "Legacy" in df.loc["bedrock:meta.llama2-13b-v1:0:4k", "Next action"]
    assert "6 of 6 models" in texts(at)
    assert "**Amazon Bedrock**: synced" in texts(at) and "**OpenAI**: synced" in texts(at)


def test_an_empty_catalog_says_what_to_do(world: World, make_app) -> None:
    at = make_app().run()
    assert not at.exception
    assert "Never synced" in texts(at)


def test_filters_narrow_the_table(world: World, make_app) -> None:
    world.catalog.sync(actor=ADMIN)
    world.catalog.enable("openai:gpt-4o", actor=ADMIN)
    at = make_app().run()
    at.text_input(key=Key.SEARCH).set_value("llama").run()
    assert sorted(table(at)["Model Name"]) == [  # the fine-tunable variants say so, on every page
        "Llama 2 13B (4K, fine-tunable)",
        "Llama 3.1 8B Instruct (128K, fine-tunable)",
        "Llama 3.3 70B Instruct (128K, fine-tunable)",
    ]
    at.text_input(key=Key.SEARCH).set_value("").run()
    at.multiselect(key=Key.STATUSES).set_value([Status.GREEN]).run()
    assert list(table(at).index) == ["openai:gpt-4o"]
    at.multiselect(key=Key.STATUSES).set_value([]).run()
    at.multiselect(key=Key.TRAITS).set_value(["Embedding"]).run()
    assert list(table(at).index) == ["openai:text-embedding-3-small"]
    at.multiselect(key=Key.TRAITS).set_value([]).run()
    at.multiselect(key=Key.VENDORS).set_value(["Meta"]).run()
    assert len(table(at)) == 3
    assert "3 of 6 models" in texts(at)


def test_selecting_a_row_shows_details_and_enable_turns_it_green(world: World, make_app) -> None:
    world.catalog.sync(actor=ADMIN)
    at = make_app()
    select_rows(at, world, [0])
    at.run()
    first = world.catalog.list_models()[0]
    assert "Next action: " in texts(at)
    assert at.button(key=Key.DISABLE_ONE).disabled  # YELLOW cannot be disabled
    at.button(key=Key.ENABLE_ONE).click().run()
    assert not at.exception
    assert world.catalog.get_model(first.id).status is Status.GREEN
    assert f"Enabled {first.record.name}" in texts(at)
    assert table(at).loc[first.id, "Status"] == "● GREEN"


def test_disable_a_green_model(world: World, make_app) -> None:
    world.catalog.sync(actor=ADMIN)
    world.catalog.enable("openai:gpt-4o", actor=ADMIN)
    at = make_app()
    flt = ModelFilter()
    views = world.catalog.list_models()
    row = [v.id for v in views].index("openai:gpt-4o")
    select_rows(at, world, [row], flt)
    at.run()
    assert at.button(key=Key.ENABLE_ONE).disabled
    at.button(key=Key.DISABLE_ONE).click().run()
    assert world.catalog.get_model("openai:gpt-4o").status is Status.YELLOW


def test_bulk_enable_of_selected_rows(world: World, make_app) -> None:
    world.catalog.sync(actor=ADMIN)
    at = make_app()
    select_rows(at, world, [0, 1])
    at.run()
    assert at.button(key=Key.ENABLE_SELECTED).label == "Enable selected (2)"
    at.button(key=Key.ENABLE_SELECTED).click().run()
    assert sum(v.status is Status.GREEN for v in world.catalog.list_models()) == 2
    assert "Enabled 2 model(s)." in texts(at)


def test_enable_all_shown_asks_first_then_skips_what_the_rules_refuse(world: World, make_app) -> None:
    world.catalog.sync(actor=ADMIN)
    world.catalog.enable("openai:gpt-4o", actor=ADMIN)
    at = make_app().run()
    at.text_input(key=Key.SEARCH).set_value("t").run()  # every model name or id has a 't'
    assert at.button(key=Key.ENABLE_SHOWN).label == "Enable all shown (5)"
    at.button(key=Key.ENABLE_SHOWN).click().run()
    assert "Enable 5 of the 6 models shown?" in texts(at)
    assert world.catalog.list_models()[0].status is Status.YELLOW  # nothing yet
    at.button(key=Key.CONFIRM_BULK).click().run()
    assert {v.status for v in world.catalog.list_models()} == {Status.GREEN}


def test_sync_reports_each_provider_and_a_failure_with_its_reason(world: World, make_app) -> None:
    world.bedrock.error = ProviderUnavailable("ListFoundationModels in us-west-2 failed: AccessDeniedException: denied")
    at = make_app().run()
    at.button(key=Key.SYNC).click().run()
    assert not at.exception
    errors = [re.sub(r"\\(.)", r"\1", e.value) for e in at.error]
    assert any("Amazon Bedrock" in e and "AccessDeniedException" in e for e in errors)
    assert any("OpenAI: 2 models seen; 2 added" in re.sub(r"\\(.)", r"\1", s.value) for s in at.success)
    assert "sync FAILED" in texts(at)
    assert len(table(at)) == 2


def test_new_model_opens_the_form_page(world: World, make_app) -> None:
    at = make_app().run()
    at.button(key=Key.NEW_MODEL).click().run()
    assert not at.exception
    assert at.title[0].value == "New Model"


def test_bad_settings_stop_the_page_with_the_variable_named(monkeypatch: pytest.MonkeyPatch, make_app) -> None:
    monkeypatch.setenv("STUDIO_BACKEND", "azure")
    at = make_app().run()
    assert not at.exception
    assert any("STUDIO_BACKEND" in e.value for e in at.error)
    assert not at.dataframe


def test_the_real_local_backend_fills_the_table_from_the_snapshot(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, make_app
) -> None:
    monkeypatch.setenv("STUDIO_DATA_DIR", str(tmp_path))
    at = make_app().run()
    assert not at.exception
    assert len(table(at)) >= 80
    assert (tmp_path / "studio.db").exists()


def test_variants_of_one_model_show_their_context_window(world: World, make_app) -> None:
    """One naming rule (ModelRecord.label), whatever else is listed: the variant with a context window
    says so and that it is the fine-tunable one; the model of the same name is the one served on demand."""
    from services.domain.models import ModelView
    from ui.components import display_names

    world.catalog.sync(actor=ADMIN)
    views = world.catalog.list_models()
    tunable = next(v for v in views if v.id == "bedrock:amazon.titan-text-lite-v1:0:4k")
    one = tunable.model_copy(  # its on-demand sibling, as the real catalog lists it
        update={
            "record": tunable.record.model_copy(
                update={"id": "bedrock:amazon.titan-text-lite-v1", "model_id": "amazon.titan-text-lite-v1"}
            )
        }
    )
    views = [*views, one]
    twin = tunable
    names = display_names(views)
    assert names[views.index(twin)] == "Titan Text G1 - Lite (4K, fine-tunable)"
    assert names[-1] == "Titan Text G1 - Lite"  # the on-demand one keeps its name
    alone = display_names([twin])  # filtered to the variant alone: the same name (it did not vanish)
    assert alone == ["Titan Text G1 - Lite (4K, fine-tunable)"] and twin.record.label == alone[0]
    assert isinstance(twin, ModelView)
