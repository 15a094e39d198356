"""Notices in the app: the sidebar's bell, idle throughput on its tab and on Costs, the delivery log."""

from __future__ import annotations

import re

import pytest
from streamlit.testing.v1 import AppTest

from tests.factories import trained_and_served
from tests.fakes import ADMIN, World

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
    assert "job.completed" in shown and "throughput.in_service" in shown and "coder" in shown
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
