"""Notices in the app: the sidebar's bell, idle throughput on its tab and on Costs, the delivery log."""

from __future__ import annotations

import re

import pytest
from streamlit.testing.v1 import AppTest

from tests.support.factories import trained_and_served
from tests.support.fakes import ADMIN, World

pytestmark = pytest.mark.on_demand
LITE = "bedrock:amazon.titan-text-lite-v1:0:4k"


def texts(at: AppTest) -> str:
    kinds = ("markdown", "caption", "info", "error", "success", "warning")
    return re.sub(r"\\(.)", r"\1", "\n".join(str(e.value) for kind in kinds for e in getattr(at, kind)))


def test_the_bell_lists_new_notices_until_they_are_marked_read(world: World, make_app) -> None:
    world.catalog.sync(actor=ADMIN)
    world.catalog.enable(LITE, actor=ADMIN)
    trained_and_served(world)
    at = make_app().run()
    popover = at.sidebar.get("popover")[0]
    assert popover.proto.popover.label == "2 new"  # job.completed, throughput.in_service
    shown = texts(at)
    assert "Job completed" in shown and "Throughput in service" in shown and "coder" in shown
    assert "job.completed" not in shown  # words, not event codes
    assert "(/custom-models?model=custom%3A" in shown  # the model's page, one click away
    at.button(key="notices_mark_read").click().run()
    assert at.sidebar.get("popover")[0].proto.popover.label == "Notices"


def test_idle_throughput_is_shown_on_its_tab_and_on_costs(world: World, make_app) -> None:
    world.catalog.sync(actor=ADMIN)
    world.catalog.enable(LITE, actor=ADMIN)
    model = trained_and_served(world)
    world.clock.advance(seconds=5 * 3600)
    at = make_app().run()
    at.switch_page("views/costs.py")
    at.run()
    assert "Idle throughput" in texts(at) and "coder idle 5.0 h" in texts(at)
    at.switch_page("views/custom_model.py")
    at.query_params["model"] = model.id
    at.run()
    at.session_state["custom_model_tabs"] = "Provision Throughput"
    at.run()
    assert "Idle for 5.0 h" in texts(at)


def test_the_activity_page_has_the_delivery_log(world: World, make_app) -> None:
    world.catalog.sync(actor=ADMIN)
    at = make_app().run()
    at.switch_page("views/activity.py")
    at.run()
    assert "STUDIO_WEBHOOK_URLS" in texts(at) and not at.exception


def test_the_notices_page_saves_the_events_chosen_and_the_bell_follows(world: World, make_app) -> None:
    world.catalog.sync(actor=ADMIN)
    world.catalog.enable(LITE, actor=ADMIN)
    trained_and_served(world)
    at = make_app().run()
    at.switch_page("views/notifications.py")
    at.run()
    assert "Your notices (2 new)" in [s.value for s in at.subheader]
    at.checkbox(key="prefs_every").uncheck()
    at.multiselect(key="prefs_events").set_value(["job.failed", "throughput.idle"])
    at.button[0].click()  # the form's Save
    at.run()
    assert not at.exception and "Saved" in texts(at)
    saved = world.services.subscriptions.prefs_for(ADMIN.id, admin=True)
    assert saved.events == ("job.failed", "throughput.idle") and saved.scope == "all"
    assert at.sidebar.get("popover")[0].proto.popover.label == "Notices"  # none of those happened
    assert "No notices for you yet." in texts(at)


def test_a_models_idle_guard_is_set_on_its_throughput_tab(world: World, make_app) -> None:
    world.catalog.sync(actor=ADMIN)
    world.catalog.enable(LITE, actor=ADMIN)
    model = trained_and_served(world)
    at = make_app().run()
    at.switch_page("views/custom_model.py")
    at.query_params["model"] = model.id
    at.run()
    at.session_state["custom_model_tabs"] = "Provision Throughput"
    at.run()
    radio = at.radio(key=f"custom_model_idle_guard_mode_{model.id}")
    assert radio.value == "team" and "Team setting (off)" in radio.options[0]
    radio.set_value("hours").run()
    at.number_input(key=f"custom_model_idle_guard_hours_{model.id}").set_value(12.0).run()
    at.button(key=f"custom_model_idle_guard_save_{model.id}").click().run()
    assert not at.exception and "Idle guard: done." in texts(at)
    assert world.customization.get(model.id).idle_guard_hours == 12.0
    at.radio(key=f"custom_model_idle_guard_mode_{model.id}").set_value("never").run()
    at.button(key=f"custom_model_idle_guard_save_{model.id}").click().run()
    assert world.customization.get(model.id).idle_guard_hours == 0.0


def test_costs_shows_the_months_spend_against_the_budget(tmp_path, monkeypatch, make_app) -> None:
    import streamlit as st

    from ui import deps

    world = World(
        tmp_path,
        on_demand=True,
        monthly_budget=50,
        price_overrides={"amazon.titan-text-lite-v1": {"training": 0.001, "storage_month": 2.0, "inference_no_commit": 10.0}},
    )  # fmt: skip
    monkeypatch.setattr(deps, "get_services", lambda: world.services)
    st.cache_data.clear()
    world.catalog.sync(actor=ADMIN)
    world.catalog.enable(LITE, actor=ADMIN)
    trained_and_served(world)
    world.clock.advance(seconds=4.5 * 3600)  # $45 of throughput
    at = make_app().run()
    at.switch_page("views/costs.py")
    at.run()
    (bar,) = at.get("progress")
    assert "of the $50.00 monthly budget" in bar.proto.text and bar.proto.value >= 80
    assert "past 80% of the monthly budget" in texts(at)
    assert at.metric[0].label == "Spent in 2026-11"


def test_the_activity_table_pages_instead_of_scrolling_inside(world: World, make_app) -> None:
    world.catalog.sync(actor=ADMIN)
    for _ in range(60):  # 120 events, and the sync's
        world.catalog.enable(LITE, actor=ADMIN)
        world.catalog.disable(LITE, actor=ADMIN)
    total = len(world.services.audit.audit_events(limit=20_000))
    at = make_app().run()
    at.switch_page("views/activity.py")
    at.run()
    table = at.dataframe[-1]
    assert len(table.value) == 50  # a page, drawn whole (rows_height)
    last = -(-total // 50)
    assert f"Page 1 of {last}: rows 1–50 of {total:,}" in texts(at)
    at.number_input(key="activity_page").set_value(last).run()
    assert len(at.dataframe[-1].value) == total - (last - 1) * 50
