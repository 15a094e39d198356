"""The UI with a signed-in member; names and descriptions shown as text, never as markup."""

from __future__ import annotations

import io

import orjson
import pytest

from services.customization import NewCustomModel, Upload
from tests.support.factories import LLAMA
from tests.support.fakes import ADMIN, MEMBER, World, bedrock_model
from ui import deps
from ui.state import Key, models_table_key

INJECTION = "<img src=x onerror=alert(1)>**bold** [link](http://evil) :red[x]"


@pytest.fixture
def member(monkeypatch: pytest.MonkeyPatch, world: World) -> World:
    monkeypatch.setattr(deps, "get_actor", lambda: MEMBER)
    world.catalog.sync(actor=ADMIN)
    return world


def test_a_member_sees_who_they_are_and_admin_buttons_are_disabled(member: World, make_app) -> None:
    at = make_app()
    from services.domain.models import ModelFilter

    at.session_state[models_table_key(member.store.catalog.revision(), ModelFilter())] = {
        "selection": {"rows": [0], "columns": [], "cells": []}
    }
    at.run()
    assert not at.exception
    assert any("Signed in as Mia (member)" in c.value for c in at.sidebar.caption)
    assert at.button(key=Key.SYNC).disabled
    assert at.button(key=Key.ENABLE_ONE).disabled and at.button(key=Key.ENABLE_SHOWN).disabled


def test_local_mode_says_everyone_is_the_local_admin(world: World, make_app) -> None:
    at = make_app().run()
    assert any("everyone is the local admin" in c.value for c in at.sidebar.caption)


def test_names_and_descriptions_render_as_plain_text(world: World, make_app) -> None:
    world.bedrock.models.append(bedrock_model("evil.model-v1:0", name=INJECTION))
    world.catalog.sync(actor=ADMIN)
    world.catalog.enable(LLAMA, actor=ADMIN)
    raw = b"".join(orjson.dumps({"prompt": f"q{i}", "completion": "a"}) + b"\n" for i in range(120))
    model = world.customization.create(
        NewCustomModel(name="bot", base_model_id=LLAMA, description=INJECTION),
        Upload("t.jsonl", io.BytesIO(raw), len(raw)),
        actor=ADMIN,
    )
    at = make_app()
    views = world.catalog.list_models()
    from services.domain.models import ModelFilter

    row = [v.id for v in views].index("bedrock:evil.model-v1:0")
    at.session_state[models_table_key(world.store.catalog.revision(), ModelFilter())] = {
        "selection": {"rows": [row], "columns": [], "cells": []}
    }
    at.run()
    assert not at.exception
    headers = [h.value for h in at.subheader]
    assert headers and all("<img" not in h or "\\<img" in h for h in headers)  # escaped: shown literally
    assert any("\\*\\*bold\\*\\*" in h for h in headers)
    at.switch_page("views/custom_model.py")
    at.query_params["model"] = model.id
    at.session_state[Key.CM_TABS] = "Configuration"  # tabs are lazy: only the open one runs
    at.run()
    assert not at.exception
    rendered = "\n".join(str(m.value) for m in at.markdown)
    assert "<img" not in rendered  # the description only appears in a table cell (plain text)
    table = at.dataframe[-1].value
    assert INJECTION in table["Value"].tolist()
