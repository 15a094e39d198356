"""The New Model form for reinforcement fine-tuning on the local backend as `make run` builds it: Nova 2 Lite
offered, the grader chosen (built-in or a loopback URL: the simulation says it cannot call Lambda), Test grader
showing the rewards before anything is paid, Create making the job with its grader, and "New run from this
one" bringing the grader back."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.support.apptest import behind_pages
from tests.support.factories import NOVA_2_LITE, local_services, rft_jsonl
from tests.ui.test_customization_pages import open_form, texts, unescape
from ui.state import Key


@pytest.fixture
def local(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    services, _ = local_services(tmp_path, NOVA_2_LITE)
    behind_pages(services, monkeypatch)
    return services


def rft_form(make_app) -> AppTest:  # type: ignore[no-untyped-def]
    at = open_form(make_app)
    assert "Reinforcement fine-tuning" in at.selectbox(key=Key.NM_TYPE).options
    at.selectbox(key=Key.NM_TYPE).set_value("REINFORCEMENT_FINE_TUNING").run()
    assert not at.exception
    return at


def test_the_rft_form_tests_the_grader_then_creates_the_job(local, make_app) -> None:
    at = rft_form(make_app)
    assert [o.rsplit(" · ", 1)[1] for o in at.selectbox(key=Key.NM_BASE).options] == ["amazon.nova-2-lite-v1:0:256k"]
    assert "cannot call AWS Lambda" in texts(at) and "OpenAI chat records" in texts(at)
    assert at.radio(key=Key.NM_GRADER_KIND).value == "builtin"
    at.text_input(key=Key.NM_NAME).set_value("math-bot")
    at.file_uploader(key=Key.NM_TRAINING_FILE).set_value(("sums.jsonl", rft_jsonl(), "application/jsonl"))
    at.button(key=Key.NM_TEST_GRADER).click().run()
    assert not at.exception
    assert "built-in exact-match: mean reward 1.000 over 5 record(s)" in texts(at)
    assert list(at.dataframe[0].value["Reward"]) == [1.0] * 5
    at.text_input(key=Key.NM_GRADER_CANDIDATE).set_value("7")
    at.button(key=Key.NM_TEST_GRADER).click().run()
    assert "mean reward 0.200" in texts(at)
    at.button(key=Key.NM_CREATE).click().run()
    assert not at.exception
    [model] = local.customization.list()
    assert model.customization_type == "REINFORCEMENT_FINE_TUNING"
    assert model.customization_config["rftConfig"]["graderConfig"] == {"builtinGrader": {"name": "exact-match"}}


def test_a_grader_url_off_the_machine_is_refused_in_the_forms_words(local, make_app) -> None:
    at = rft_form(make_app)
    at.radio(key=Key.NM_GRADER_KIND).set_value("url").run()
    at.text_input(key=Key.NM_GRADER_URL).set_value("http://169.254.169.254/latest/")
    at.file_uploader(key=Key.NM_TRAINING_FILE).set_value(("sums.jsonl", rft_jsonl(), "application/jsonl"))
    at.button(key=Key.NM_TEST_GRADER).click().run()
    errors = unescape("\n".join(e.value for e in at.error))
    assert "Customization Config, Grader.Url" in errors and "must be on loopback" in errors
    at.text_input(key=Key.NM_NAME).set_value("url-graded")
    at.button(key=Key.NM_CREATE).click().run()
    assert "must be on loopback" in unescape("\n".join(e.value for e in at.error))
    assert local.customization.list() == []


def test_compare_runs_charts_rewards_when_a_run_has_them(local, make_app) -> None:
    import orjson

    from tests.unit.customization.test_rft import EXACT, rft_model

    model = rft_model(local, local.clock, "math-bot", EXACT)
    at = make_app().run()
    at.switch_page("views/compare.py").run()
    assert not at.exception
    radio = at.radio(key=f"{Key.CMP_METRIC}-rewards")
    assert radio.options == ["reward (mean)", "loss", "perplexity"] and radio.value == "reward"
    figure = orjson.loads(at.get("plotly_chart")[0].proto.spec)
    assert {t.get("name") for t in figure["data"]} >= {"math-bot · training"}
    table = at.dataframe[0].value
    assert table.loc["Method"].tolist() == ["Reinforcement fine-tuning"]
    assert table.loc["Final reward (mean)"].tolist()[0] != "—" and model.job_status.value == "Completed"
