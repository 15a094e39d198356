"""The Playground through app.py: what can be tried, answers side by side, a custom model beside its base."""

from __future__ import annotations

import io
import re

import pytest
from streamlit.testing.v1 import AppTest

from services.customization import NewCustomModel, Upload
from tests.support.factories import jsonl
from tests.support.fakes import ADMIN, World
from ui.state import Key

LITE = "bedrock:amazon.titan-text-lite-v1:0:4k"


pytestmark = pytest.mark.on_demand  # the World has the on-demand variants Model Studio calls


def texts(at: AppTest) -> str:
    kinds = ("markdown", "caption", "info", "error")
    return re.sub(r"\\(.)", r"\1", "\n".join(str(e.value) for kind in kinds for e in getattr(at, kind)))


def playground(make_app) -> AppTest:
    at = make_app().run()
    at.switch_page("views/chat.py")
    return at.run()


def test_with_nothing_enabled_it_says_what_to_do(world: World, make_app) -> None:
    world.catalog.sync(actor=ADMIN)
    at = playground(make_app)
    assert "No model can be tried yet" in texts(at)


def test_a_custom_model_not_yet_enabled_answers_beside_its_base(world: World, make_app) -> None:
    world.catalog.sync(actor=ADMIN)
    world.catalog.enable(LITE, actor=ADMIN)
    data = jsonl(120, prompt="What is the code for item {i}?", completion="Item {i} has code C{i}.")
    model = world.customization.create(
        NewCustomModel(name="coder", base_model_id=LITE), Upload("t.jsonl", io.BytesIO(data), len(data)), actor=ADMIN
    )
    world.clock.advance(seconds=61)
    world.customization.refresh(model.id)
    world.customization.provision_throughput(model.id, actor=ADMIN)
    world.clock.advance(seconds=11)
    world.customization.refresh(model.id)  # YELLOW: servable, not enabled

    at = make_app().run()
    at.switch_page("views/custom_model.py")
    at.query_params["model"] = model.id
    at.run()
    at.button(key=Key.CM_TRY).click().run()  # "Compare with base model"
    assert at.multiselect(key=Key.PG_MODELS).value == [model.id, LITE]
    at.switch_page("views/chat.py")  # (AppTest reruns the page it was told, not the one switched to)
    at.run()
    assert at.multiselect(key=Key.PG_MODELS).value == [model.id, LITE]
    assert "Simulated models" in texts(at)

    at.chat_input(key=Key.PG_INPUT).set_value("What is the code for item 42?").run()
    shown = texts(at)
    assert "Item 42 has code C42." in shown  # the custom model, from its training data
    assert "[simulated Titan Text G1 - Lite]" in shown  # the base model, generically
    assert shown.count("simulated") >= 2 and " ms · " in shown  # latency and tokens per answer
    assert not at.error

    at.chat_input(key=Key.PG_INPUT).set_value("And item 7?").run()  # the same conversation goes on
    shown = texts(at)
    assert "Item 42 has code C42." in shown and "Item 7 has code C7." in shown


def test_a_member_tries_only_their_own_models_not_yet_enabled(world: World, make_app, monkeypatch) -> None:
    from tests.support.factories import trained_and_served
    from tests.support.fakes import MEMBER, OTHER_MEMBER
    from ui import deps

    world.catalog.sync(actor=ADMIN)
    world.catalog.enable(LITE, actor=ADMIN)
    mine = trained_and_served(world, name="mine", owner=MEMBER)  # YELLOW, Mia's
    theirs = trained_and_served(world, name="theirs", owner=OTHER_MEMBER)  # YELLOW, Otto's
    monkeypatch.setattr(deps, "get_actor", lambda: MEMBER)
    at = playground(make_app)
    offered = at.multiselect(key=Key.PG_MODELS).options
    assert any("mine" in o for o in offered) and not any("theirs" in o for o in offered), offered
    assert any("Titan Text G1 - Lite" in o for o in offered)  # the base, enabled, is everyone's to call
    world.catalog.enable(theirs.id, actor=ADMIN)  # once enabled, Otto's is everyone's to call
    at = playground(make_app)
    assert any("theirs" in o for o in at.multiselect(key=Key.PG_MODELS).options)
    assert mine.created_by == MEMBER.id
