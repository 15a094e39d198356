"""The New Model form for distillation on the local backend as `make run` builds it: a student offered, its
enabled teachers offered (only the ones AWS pairs with it), Check data showing the teacher's reading and writing
in the estimate, Create making the job with its teacher, and "New run from this one" bringing it back."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from services.domain.identity import LOCAL_ADMIN
from tests.support.apptest import behind_pages
from tests.support.factories import NOVA_MICRO, NOVA_PRO, distill_jsonl, local_services
from tests.ui.test_customization_pages import open_form, texts
from ui.state import Key


@pytest.fixture
def local(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    services, _ = local_services(tmp_path, NOVA_MICRO)
    behind_pages(services, monkeypatch)
    return services


def distill_form(make_app) -> AppTest:  # type: ignore[no-untyped-def]
    at = open_form(make_app)
    at.selectbox(key=Key.NM_TYPE).set_value("DISTILLATION").run()
    assert not at.exception
    return at


def test_the_form_says_when_no_teacher_is_enabled_then_offers_the_paired_ones(local, make_app) -> None:
    at = distill_form(make_app)
    assert "No enabled model teaches this student" in texts(at)
    local.catalog.enable(NOVA_PRO, actor=LOCAL_ADMIN)
    local.catalog.enable("bedrock:amazon.nova-lite-v1:0", actor=LOCAL_ADMIN)  # enabled, but a student only
    at = distill_form(make_app)
    assert [o.rsplit(" · ", 1)[-1] for o in at.selectbox(key=Key.NM_TEACHER).options] == ["amazon.nova-pro-v1:0"]


def test_check_data_estimates_the_teacher_and_create_makes_the_job_with_it(local, make_app) -> None:
    local.catalog.enable(NOVA_PRO, actor=LOCAL_ADMIN)
    at = distill_form(make_app)
    at.text_input(key=Key.NM_NAME).set_value("shelf-bot")
    at.text_input(key=Key.NM_TEACHER_LENGTH).set_value("800")
    at.file_uploader(key=Key.NM_TRAINING_FILE).set_value(("prompts.jsonl", distill_jsonl(), "application/jsonl"))
    at.button(key=Key.NM_CHECK).click().run()
    assert not at.exception
    shown = [m.label for m in at.metric]
    assert "Teacher: reading the prompts" in shown and "Teacher: writing the answers" in shown, shown
    assert "the last turn may be the user's" in texts(at)
    at.button(key=Key.NM_CREATE).click().run()
    assert not at.exception
    [model] = local.customization.list()
    assert model.customization_type == "DISTILLATION"
    assert model.customization_config == {
        "distillationConfig": {
            "teacherModelConfig": {
                "teacherModelIdentifier": "amazon.nova-pro-v1:0",
                "maxResponseLengthForInference": 800,
            }
        }
    }


def test_the_form_takes_invocation_logs_says_how_many_calls_can_be_used_and_creates_from_them(local, make_app) -> None:
    from services.domain.actions import Action
    from services.domain.calls import ChatMessage, ChatRequest

    local.catalog.enable(NOVA_PRO, actor=LOCAL_ADMIN)
    local.customization.logging.enable("us-east-1", "s3://model-studio/logs/", actor=LOCAL_ADMIN)
    for i in range(105):
        asked = ChatRequest(messages=(ChatMessage(role="user", content=f"Reset {i}?"),), metadata=(("app", "help"),))
        local.inference.chat(NOVA_PRO, asked, LOCAL_ADMIN, via=Action.TRY)
    at = distill_form(make_app)
    at.radio(key=Key.NM_SOURCE).set_value("logs").run()
    assert "us-east-1: s3://model-studio/logs/" in texts(at)
    at.text_input(key=Key.NM_NAME).set_value("help-bot")
    at.text_input(key=Key.NM_LOGS_URI).set_value("s3://model-studio/logs/")
    at.text_input(key=Key.NM_LOGS_KEY).set_value("app")
    at.text_input(key=Key.NM_LOGS_VALUE).set_value("help")
    at.checkbox(key=Key.NM_LOGS_ANSWERS).check()
    at.button(key=Key.NM_CHECK).click().run()
    assert not at.exception
    assert "105 can be used" in texts(at) + "\n".join(w.value for w in at.warning), texts(at)
    assert "Teacher: reading the prompts" not in [m.label for m in at.metric]  # the logged answers: no teacher
    at.button(key=Key.NM_CREATE).click().run()
    assert not at.exception
    [model] = local.customization.list()
    assert model.training_uri == "s3://model-studio/logs/" and model.training_logs == {
        "usePromptResponse": True,
        "invocationLogSource": {"s3Uri": "s3://model-studio/logs/"},
        "requestMetadataFilters": {"equals": {"app": "help"}},
    }
