"""New Model form and the custom model page, through app.py, on the local control plane."""

from __future__ import annotations

import re

from streamlit.testing.v1 import AppTest

from services.domain.custom import JobStatus
from services.domain.models import Status
from tests.support.factories import LLAMA, State, custom_model, jsonl
from tests.support.fakes import ADMIN, World
from ui.state import Key, hp_key


def unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


def texts(at: AppTest) -> str:
    kinds = ("markdown", "caption", "info", "success", "warning", "error")
    return unescape("\n".join(str(e.value) for kind in kinds for e in getattr(at, kind)))


def open_form(make_app) -> AppTest:
    at = make_app().run()
    at.switch_page("views/new_model.py").run()
    assert not at.exception
    return at


def test_without_a_green_fine_tunable_base_model_the_form_says_why(world: World, make_app) -> None:
    world.catalog.sync(actor=ADMIN)
    at = open_form(make_app)
    assert "No base model offers supervised fine-tuning yet" in texts(at)
    assert not at.button


def test_the_form_offers_green_fine_tunable_models_and_their_hyperparameters(w: World, make_app) -> None:
    at = open_form(make_app)
    assert at.selectbox(key=Key.NM_BASE).options == [
        "Llama 3.1 8B Instruct (128K, fine-tunable) · meta.llama3-1-8b-instruct-v1:0:128k"
    ]
    assert at.text_input(key=hp_key("epochCount", LLAMA)).value == "5"
    assert at.text_input(key=hp_key("learningRate", LLAMA)).value == "0.0001"
    assert at.selectbox(key=Key.NM_TYPE).value == "FINE_TUNING"


def test_create_uploads_and_starts_the_job(w: World, make_app) -> None:
    at = open_form(make_app)
    at.text_input(key=Key.NM_NAME).set_value("support-bot")
    at.text_input(key=hp_key("epochCount", LLAMA)).set_value("2")
    at.file_uploader(key=Key.NM_TRAINING_FILE).set_value(("train.jsonl", jsonl(), "application/jsonl"))
    at.button(key=Key.NM_CREATE).click().run()
    assert not at.exception
    assert "Created support-bot: job InProgress" in texts(at)
    [model] = w.customization.list()
    assert model.hyperparameters["epochCount"] == "2" and model.training_records == 120
    assert w.objects.size(model.training_uri) == len(jsonl())


def test_bad_input_is_listed_and_nothing_is_created(w: World, make_app) -> None:
    at = open_form(make_app)
    at.text_input(key=Key.NM_NAME).set_value("bad name!")
    at.text_input(key=hp_key("learningRate", LLAMA)).set_value("fast")
    broken = jsonl(105) + b"{not json}\n"
    at.file_uploader(key=Key.NM_TRAINING_FILE).set_value(("train.jsonl", broken, "application/jsonl"))
    at.button(key=Key.NM_CREATE).click().run()
    assert not at.exception
    errors = unescape("\n".join(e.value for e in at.error))
    assert "Nothing was created: 3 problem(s)" in errors
    assert "is not a Bedrock model name" in errors and "'fast' is not a number" in errors
    assert "line 106: not valid JSON" in errors
    assert w.customization.list() == []


def test_check_data_reports_records_tokens_and_method(w: World, make_app) -> None:
    at = open_form(make_app)
    at.text_input(key=Key.NM_NAME).set_value("support-bot")
    at.file_uploader(key=Key.NM_TRAINING_FILE).set_value(("train.jsonl", jsonl(), "application/jsonl"))
    at.button(key=Key.NM_CHECK).click().run()
    assert "Training data: 120 records" in texts(at) and "characters ÷ 6" in texts(at)
    assert "passes every check" in texts(at)


def test_a_file_and_a_uri_together_are_refused(w: World, make_app) -> None:
    at = open_form(make_app)
    at.file_uploader(key=Key.NM_TRAINING_FILE).set_value(("train.jsonl", jsonl(), "application/jsonl"))
    at.text_input(key=Key.NM_TRAINING_URI).set_value("s3://bucket/train.jsonl")
    at.button(key=Key.NM_CHECK).click().run()
    assert "give a file or an S3 URI, not both" in texts(at)


def open_model(make_app, world: World, model_id: str, tab: str | None = None) -> AppTest:
    at = make_app().run()
    at.switch_page("views/custom_model.py")
    at.query_params["model"] = model_id
    at.run()
    assert not at.exception, at.exception
    return open_tab(at, tab) if tab else at


def open_tab(at: AppTest, label: str) -> AppTest:
    """Tabs are lazy (only the open one runs): open one as a click would."""
    at.session_state[Key.CM_TABS] = label
    at.run()
    assert not at.exception, at.exception
    return at


def create(world: World, name: str = "support-bot"):
    import io

    from services.customization import NewCustomModel, Upload

    data = jsonl()
    return world.customization.create(
        NewCustomModel(name=name, base_model_id=LLAMA), Upload("train.jsonl", io.BytesIO(data), len(data)), actor=ADMIN
    )


def test_the_model_page_follows_the_job_then_throughput_then_enable(w: World, make_app) -> None:
    model = create(w)
    at = open_model(make_app, w, model.id)
    assert at.metric[0].value == "InProgress"
    assert not at.button(key=Key.CM_STOP).disabled
    open_tab(at, "Provision Throughput")
    assert at.button(key=Key.CM_PROVISION).disabled
    w.clock.advance(seconds=61)
    open_tab(at, "Status")
    assert at.metric[0].value == "Completed"
    open_tab(at, "Provision Throughput")
    assert "per model unit-hour" in texts(at)  # the price, before anything is billed
    at.button(key=Key.CM_PROVISION).click().run()
    assert "bills" in texts(at) and w.customization.get(model.id).throughput_status is None  # asked first
    at.button(key=Key.CM_CONFIRM_PROVISION).click().run()
    assert not at.exception
    assert w.customization.get(model.id).throughput_status.value == "Creating"
    assert "billed hourly until removed" in texts(at)
    w.clock.advance(seconds=11)
    at.run()
    arn = w.customization.get(model.id).throughput_arn
    snippets = [str(c.value) for c in at.code]
    assert arn in snippets  # the ARN, with Streamlit's copy button
    assert any("aws bedrock-runtime converse" in c and arn in c for c in snippets)
    assert any("runtime.converse(" in c and arn in c for c in snippets)
    open_tab(at, "Status")
    assert not at.button(key=Key.CM_ENABLE).disabled
    at.button(key=Key.CM_ENABLE).click().run()
    assert w.catalog.get_model(model.id).status is Status.GREEN
    open_tab(at, "Provision Throughput")
    at.button(key=Key.CM_REMOVE_PT).click().run()
    assert "will also be disabled" in texts(at)
    at.button(key=Key.CM_CONFIRM_REMOVE_PT).click().run()
    view = w.catalog.get_model(model.id)
    assert view.status is Status.RED and not view.record.enabled


def test_delete_needs_the_name_typed(w: World, make_app) -> None:
    model = custom_model(w, State.COMPLETED)
    custom_model(w, State.COMPLETED, name="other-bot")  # another run stays: the page shows the runs
    at = open_model(make_app, w, model.id, tab="Configuration")
    at.button(key=Key.CM_DELETE).click().run()
    at.text_input(key=Key.CM_DELETE_NAME).set_value("support-bot!")
    at.button(key=Key.CM_CONFIRM_DELETE).click().run()
    assert "Type support-bot exactly" in texts(at) and len(w.customization.list()) == 2
    at.text_input(key=Key.CM_DELETE_NAME).set_value("support-bot")  # typed, then one click: no Enter
    at.button(key=Key.CM_CONFIRM_DELETE).click().run()
    assert not at.exception
    assert [m.name for m in w.customization.list()] == ["other-bot"]
    assert "Delete: done." in texts(at) and "No custom model" not in texts(at) and "no longer" not in texts(at)
    assert "model" not in at.query_params


def test_stop_asks_first(w: World, make_app) -> None:
    model = create(w)
    at = open_model(make_app, w, model.id)
    at.button(key=Key.CM_STOP).click().run()
    assert "cannot be resumed" in texts(at)
    at.button(key=Key.CM_CONFIRM_STOP).click().run()
    assert w.customization.get(model.id).job_status is JobStatus.STOPPING


def test_no_custom_models_yet(world: World, make_app) -> None:
    at = make_app().run()
    at.switch_page("views/custom_model.py").run()
    assert "No custom models yet" in texts(at)


def test_a_custom_nova_model_is_deployed_on_demand_from_its_page(world: World, make_app) -> None:
    from services.domain.custom import DeploymentStatus
    from services.domain.models import Status
    from tests.support.factories import NOVA_MICRO, nova_jsonl
    from tests.support.fakes import bedrock_model

    world.bedrock.models.append(
        bedrock_model(NOVA_MICRO.removeprefix("bedrock:"), name="Nova Micro", vendor="Amazon", chat=True)
    )
    world.catalog.sync(actor=ADMIN)
    world.catalog.enable(NOVA_MICRO, actor=ADMIN)
    import io

    from services.customization import NewCustomModel, Upload

    data = nova_jsonl()
    model = world.customization.create(
        NewCustomModel(name="nova-bot", base_model_id=NOVA_MICRO),
        Upload("t.jsonl", io.BytesIO(data), len(data)),
        actor=ADMIN,
    )
    world.clock.advance(seconds=61)
    at = open_model(make_app, world, model.id)
    assert "Deploy on demand" in [t.label for t in at.tabs]
    open_tab(at, "Deploy on demand")
    assert "$0.035 per million input tokens and $0.14 per million output tokens" in texts(at)  # the price first
    at.button(key=Key.CM_DEPLOY).click().run()
    assert not at.exception
    assert world.customization.get(model.id).deployment_status is None  # a confirmation first
    assert "Nothing is billed while nobody calls it" in texts(at)
    at.button(key=Key.CM_CONFIRM_DEPLOY).click().run()
    assert world.customization.get(model.id).deployment_status is DeploymentStatus.CREATING
    world.clock.advance(seconds=11)
    at.run()
    assert world.catalog.get_model(model.id).status is Status.YELLOW
    assert any("custom-model-deployment/" in str(c.value) for c in at.code)  # the ARN to call, ready to copy
    at.button(key=Key.CM_REMOVE_DEPLOYMENT).click().run()
    assert "Every caller of its ARN gets an error" in texts(at)
    assert world.customization.get(model.id).deployment_status is DeploymentStatus.ACTIVE  # not removed yet
    at.button(key=Key.CM_CONFIRM_REMOVE_DEPLOYMENT).click().run()
    assert world.customization.get(model.id).deployment_status is None


def test_check_data_shows_what_the_data_holds(w: World, make_app) -> None:
    at = open_form(make_app)
    at.file_uploader(key=Key.NM_TRAINING_FILE).set_value(("train.jsonl", jsonl() + jsonl(3), "application/jsonl"))
    at.text_input(key=hp_key("epochCount", LLAMA)).set_value("3")
    at.button(key=Key.NM_CHECK).click().run()
    assert not at.exception
    charts = at.get("plotly_chart")
    assert len(charts) == 2  # input and output tokens per record
    titles = " ".join(str(c.proto.spec) for c in charts)
    assert "Input tokens per record" in titles and "Output tokens per record" in titles
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Training data: records"] == "123" and metrics["Duplicates"] == "3"
    tokens = int(metrics["Tokens"].replace(",", ""))
    assert metrics["Billable tokens"] == f"{tokens * 3:,}"
    assert "3 epoch(s)" in texts(at)  # the estimate prices the epochs asked for
    assert any("Q0?" in str(e.value) for e in at.get("text"))  # a sample record, as a chat bubble


def test_check_data_checks_the_hyperparameters_too(w: World, make_app) -> None:
    at = open_form(make_app)
    at.file_uploader(key=Key.NM_TRAINING_FILE).set_value(("train.jsonl", jsonl(), "application/jsonl"))
    at.text_input(key=hp_key("epochCount", LLAMA)).set_value("20")
    at.button(key=Key.NM_CHECK).click().run()
    assert "epochCount: '20' is out of range" in texts(at)
    assert "passes every check" not in texts(at) and "Estimated cost" not in texts(at)


def test_the_form_offers_the_familys_template(w: World, make_app) -> None:
    at = open_form(make_app)
    assert any("Data format for Meta Llama 3.1" in e.label for e in at.expander)
    assert "at least 100" in texts(at)  # the record-count rule, with its source link
    [download] = list(at.get("download_button"))
    assert download.proto.label == "Download a template (.jsonl)"


def test_prompt_completion_data_for_nova_gets_one_converted_record(world: World, make_app) -> None:
    from tests.support.factories import NOVA_MICRO
    from tests.support.fakes import bedrock_model

    world.bedrock.models.append(
        bedrock_model(NOVA_MICRO.removeprefix("bedrock:"), name="Nova Micro", vendor="Amazon", chat=True)
    )
    world.catalog.sync(actor=ADMIN)
    world.catalog.enable(NOVA_MICRO, actor=ADMIN)
    at = open_form(make_app)
    at.selectbox(key=Key.NM_BASE).set_value(NOVA_MICRO).run()
    at.file_uploader(key=Key.NM_TRAINING_FILE).set_value(("train.jsonl", jsonl(), "application/jsonl"))
    at.button(key=Key.NM_CHECK).click().run()
    assert not at.exception
    [hint] = [unescape(str(e.value)) for e in at.warning if "converted" in str(e.value)]
    assert "this looks like prompt/completion records" in hint
    assert '"schemaVersion": "bedrock-conversation-2024"' in hint and "Q0?" in hint
    [listed] = [unescape(str(e.value)) for e in at.error]
    assert "Training Data, lines 1–" in listed and listed.count("Training Data, line") == 1  # said once
    [download] = [b for b in at.get("download_button") if "converted" in str(b.proto.label)]
    assert "Download the whole file converted (120 records" in download.proto.label


def test_the_model_page_keeps_what_the_data_held(w: World, make_app) -> None:
    model = create(w)
    at = open_model(make_app, w, model.id)
    assert not [c for c in at.get("plotly_chart") if str(c.key).startswith("hist-")]  # lazy: drawn when opened
    at.session_state[Key.CM_DATA] = True  # the expander, opened
    at.run()
    titles = " ".join(str(c.proto.spec) for c in at.get("plotly_chart"))
    assert "Input tokens per record" in titles and "Output tokens per record" in titles
    assert {m.label: m.value for m in at.metric}["Training data: records"] == "120"


def test_hyperparameter_defaults_follow_the_base_model(world: World, make_app) -> None:
    from tests.support.factories import NOVA_MICRO
    from tests.support.fakes import bedrock_model

    world.bedrock.models.append(
        bedrock_model(NOVA_MICRO.removeprefix("bedrock:"), name="Nova Micro", vendor="Amazon", chat=True)
    )
    world.catalog.sync(actor=ADMIN)
    world.catalog.enable(NOVA_MICRO, actor=ADMIN)
    world.catalog.enable(LLAMA, actor=ADMIN)
    at = open_form(make_app)
    at.selectbox(key=Key.NM_BASE).set_value(LLAMA).run()
    at.text_input(key=hp_key("epochCount", LLAMA)).set_value("7").run()
    at.selectbox(key=Key.NM_BASE).set_value(NOVA_MICRO).run()
    assert at.text_input(key=hp_key("epochCount", NOVA_MICRO)).value == "2"  # Nova's own default, not 7
    assert at.text_input(key=hp_key("learningRate", NOVA_MICRO)).value == "1e-05"


def test_every_run_at_a_glance_and_a_click_opens_one(w: World, make_app) -> None:
    first, second = create(w, "bot-a"), create(w, "bot-b")
    at = make_app().run()
    at.switch_page("views/custom_model.py").run()
    assert not at.exception
    runs = at.dataframe[0].value
    assert list(runs["Name"]) == ["bot-a", "bot-b"]
    assert {
        "Status",
        "Base model",
        "Job",
        "Duration",
        "Data tokens",
        "Validation loss",
        "Cost so far",
        "Created by",
    } <= set(runs.columns)
    assert "Click a run in the table to open it." in texts(at) and not at.tabs
    assert set(runs["Status"]) == {"● RED · Training"}  # the outcome beside the light, not just RED
    w.clock.advance(seconds=61)
    for model in (first, second):
        w.customization.refresh(model.id)
    at.run()
    assert set(at.dataframe[0].value["Status"]) == {"● RED · Completed · provision or deploy to use"}
    at.session_state[Key.CM_RUNS] = {"selection": {"rows": [1], "columns": [], "cells": []}}
    at.run()
    assert at.query_params["model"] == second.id and unescape(at.subheader[0].value) == "bot-b"
    assert first.id != second.id


def test_a_link_to_a_deleted_model_says_so_and_shows_no_other(w: World, make_app) -> None:
    create(w, "bot-a")
    at = make_app().run()
    at.switch_page("views/custom_model.py")
    at.query_params["model"] = "custom:gone"
    at.run()
    assert not at.exception
    assert "There is no custom model custom:gone" in texts(at)
    assert not at.tabs and not at.subheader  # no other model shown in its place


def test_a_new_run_from_this_one_prefills_the_form(w: World, make_app) -> None:
    model = w.customization.create(
        NewCustomModelFor("support-bot", hyperparameters={"epochCount": "3", "learningRate": "0.0002"}),
        UploadOf(jsonl()),
        actor=ADMIN,
    )
    at = open_model(make_app, w, model.id)
    at.button(key=Key.CM_CLONE).click().run()
    assert not at.exception
    assert "A new run from support-bot" in texts(at)
    assert at.text_input(key=Key.NM_NAME).value == "support-bot-2"
    assert at.text_input(key=Key.NM_TRAINING_URI).value == model.training_uri
    assert at.text_input(key=hp_key("epochCount", LLAMA)).value == "3"
    assert at.text_input(key=hp_key("learningRate", LLAMA)).value == "0.0002"
    at.switch_page("views/new_model.py")  # AppTest stays on the page it was told; the browser moved already
    at.button(key=Key.NM_CREATE).click().run()
    assert not at.exception
    assert "Created support-bot-2" in texts(at), texts(at)
    clone = next(m for m in w.customization.list() if m.name == "support-bot-2")
    assert clone.hyperparameters == model.hyperparameters and clone.training_uri == model.training_uri
    assert clone.training_records == model.training_records


def NewCustomModelFor(name: str, **kw: object):  # noqa: N802 - reads like the model it builds
    from services.customization import NewCustomModel

    return NewCustomModel.model_validate({"name": name, "base_model_id": LLAMA} | kw)


def UploadOf(data: bytes):  # noqa: N802
    import io

    from services.customization import Upload

    return Upload("train.jsonl", io.BytesIO(data), len(data))


def test_a_running_job_shows_its_progress_and_live_loss(w: World, make_app) -> None:
    model = create(w)
    w.clock.advance(seconds=35)
    at = open_model(make_app, w, model.id)
    bars = at.get("progress")
    assert bars and "Training step" in str(bars[0].proto.text) and "left" in str(bars[0].proto.text)
    assert any(str(c.key) == "live-loss" for c in at.get("plotly_chart"))
    assert "Now: Training: InProgress" in texts(at)


def test_the_status_tab_tells_the_jobs_story(w: World, make_app) -> None:
    """What happened when, each epoch's losses, start, end, duration, the job ARN and the S3 locations."""
    done = model = custom_model(
        w, State.COMPLETED, name="story-bot", hyperparameters={"epochCount": "2"}, validation=jsonl(20, 500)
    )
    at = open_model(make_app, w, model.id)
    shown = texts(at)
    story = at.dataframe[-1].value["What happened"].tolist()
    assert (
        story[0].startswith("Submitted")
        and "Bedrock accepted the job" in story[1]
        and story[-1] == "Training completed"
    )
    assert done.job_arn and done.job_arn in shown and done.training_uri in shown and done.output_uri in shown
    assert done.validation_uri and done.validation_uri in shown
    assert "**Duration** 1 min" in shown and "**Ended** 2026" in shown
    assert "**Each epoch**: 1: training" in shown and ", validation " in shown


def test_check_data_checks_the_name_too_as_create_does(w: World, make_app) -> None:
    create(w, "support-bot")
    at = open_form(make_app)
    at.text_input(key=Key.NM_NAME).set_value("support-bot")  # taken
    at.file_uploader(key=Key.NM_TRAINING_FILE).set_value(("train.jsonl", jsonl(), "application/jsonl"))
    at.button(key=Key.NM_CHECK).click().run()
    shown = texts(at)
    assert "Model Name: already used by another model: 'support-bot'" in shown
    assert "passes every check" not in shown
    at.text_input(key=Key.NM_NAME).set_value("bad name!")
    at.button(key=Key.NM_CHECK).click().run()
    assert "Model Name: 'bad name!' is not a Bedrock model name" in texts(at)
    at.text_input(key=Key.NM_NAME).set_value("support-bot-2")
    at.button(key=Key.NM_CHECK).click().run()
    assert "passes every check" in texts(at)


def test_check_data_warns_of_validation_copies_and_repeats_with_lines(w: World, make_app) -> None:
    at = open_form(make_app)
    at.text_input(key=Key.NM_NAME).set_value("support-bot")
    at.file_uploader(key=Key.NM_TRAINING_FILE).set_value(("train.jsonl", jsonl() + jsonl(3), "application/jsonl"))
    at.file_uploader(key=Key.NM_VALIDATION_FILE).set_value(("valid.jsonl", jsonl(5), "application/jsonl"))
    at.button(key=Key.NM_CHECK).click().run()
    shown = texts(at)
    assert "passes every check" in shown  # warnings, not problems: the job may still be created
    assert "Training Data: 3 record(s) repeat an earlier record of the file (lines 121–123)" in shown
    assert "Validation Data: 5 record(s) are exact copies of training records (lines 1–5)" in shown


def test_the_customization_type_comes_first_and_decides_the_base_models_and_the_data(w: World, make_app) -> None:
    """Continued pre-training: Titan Text only, unlabeled records, its template, created as such."""
    titan = "bedrock:amazon.titan-text-lite-v1:0:4k"
    w.catalog.enable(titan, actor=ADMIN)
    at = open_form(make_app)
    assert at.selectbox(key=Key.NM_TYPE).options == [
        "Supervised fine-tuning",
        "Continued pre-training",
        "Distillation",
        "Reinforcement fine-tuning",
    ]
    at.selectbox(key=Key.NM_TYPE).set_value("CONTINUED_PRE_TRAINING").run()
    assert not at.exception
    assert [o.rsplit(" · ", 1)[1] for o in at.selectbox(key=Key.NM_BASE).options] == ["amazon.titan-text-lite-v1:0:4k"]
    assert 'unlabeled records of an "input" text' in texts(at) and "unlabeled text" in texts(at)
    at.text_input(key=Key.NM_NAME).set_value("domain-words")
    labelled = jsonl()
    at.file_uploader(key=Key.NM_TRAINING_FILE).set_value(("train.jsonl", labelled, "application/jsonl"))
    at.button(key=Key.NM_CHECK).click().run()
    assert "takes unlabeled" in unescape("\n".join(e.value for e in at.error))
    passages = b"".join(b'{"input": "Passage %d of our own domain."}\n' % i for i in range(40))
    at.file_uploader(key=Key.NM_TRAINING_FILE).set_value(("train.jsonl", passages, "application/jsonl"))
    at.button(key=Key.NM_CREATE).click().run()
    assert not at.exception
    [model] = w.customization.list()
    assert model.customization_type == "CONTINUED_PRE_TRAINING" and model.training_records == 40


def test_a_throughput_term_is_priced_warned_confirmed_and_then_not_removable(w: World, make_app) -> None:
    model = create(w, "termed")
    w.clock.advance(seconds=61)
    at = open_model(make_app, w, model.id)
    open_tab(at, "Provision Throughput")
    shown = texts(at)
    assert "No commitment:" in shown and "1-month term:" in shown and "6-month term:" in shown  # each term's price
    at.radio(key=Key.CM_TERM).set_value("OneMonth").run()
    assert "cannot be ended early" in "\n".join(x.value for x in at.warning)
    at.button(key=Key.CM_PROVISION).click().run()
    assert "It cannot be removed before" in texts(at) and "renews at the end of each term" in texts(at)
    at.button(key=Key.CM_CONFIRM_PROVISION).click().run()
    assert not at.exception
    made = w.customization.get(model.id)
    assert made.throughput_commitment == "OneMonth" and made.throughput_status is not None
    w.clock.advance(seconds=11)
    at.run()
    assert "committed until" in "\n".join(x.value for x in at.warning)
    assert at.button(key=Key.CM_REMOVE_PT).disabled  # the one rule says why in its help
