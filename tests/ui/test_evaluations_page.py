"""The Evaluations page through app.py: estimate, start, follow, read and export an evaluation."""

from __future__ import annotations

import re

import pytest
from streamlit.testing.v1 import AppTest

from services.domain.evaluations import EvaluationStatus
from tests.support.factories import jsonl, trained_and_served
from tests.support.fakes import ADMIN, World
from ui.state import Key

pytestmark = pytest.mark.on_demand  # the World has the on-demand variants Model Studio calls
LITE = "bedrock:amazon.titan-text-lite-v1:0:4k"
VALIDATION = jsonl(5, prompt="What is the code for item {i}?", completion="Item {i} has code C{i}.") + jsonl(
    3, 900, prompt="Tell me a story about {i}", completion="Once upon a time {i}."
)


def texts(at: AppTest) -> str:
    kinds = ("markdown", "caption", "info", "error", "success", "warning")
    return re.sub(r"\\(.)", r"\1", "\n".join(str(e.value) for kind in kinds for e in getattr(at, kind)))


def evaluations_page(make_app, model_id: str | None = None) -> AppTest:
    at = make_app().run()
    at.switch_page("views/evaluate.py")
    if model_id:
        at.query_params["model"] = model_id
    return at.run()


def test_with_no_completed_model_it_says_what_to_do(world: World, make_app) -> None:
    world.catalog.sync(actor=ADMIN)
    at = evaluations_page(make_app)
    assert "once a job completes" in texts(at) and not at.exception


def test_estimate_start_and_read_an_evaluation_from_the_custom_model_page(world: World, make_app) -> None:
    world.catalog.sync(actor=ADMIN)
    world.catalog.enable(LITE, actor=ADMIN)
    model = trained_and_served(world, validation=VALIDATION)

    at = make_app().run()
    at.switch_page("views/custom_model.py")
    at.query_params["model"] = model.id
    at.run()
    at.button(key=Key.CM_EVALUATE).click().run()  # "Evaluate against base"
    assert at.session_state[Key.EV_MODEL] == model.id
    at.switch_page("views/evaluate.py")
    at.run()
    assert at.selectbox(key=Key.EV_MODEL).value == model.id and "Simulated models" in texts(at)
    assert at.radio(key=Key.EV_SOURCE).value == "Validation data"
    at.selectbox(key=Key.EV_JUDGE).set_value(LITE).run()
    at.button(key=Key.EV_ESTIMATE).click().run()
    assert [m.value for m in at.metric][:2] == ["8", "32"]  # records; 2 answers + 2 judge calls each
    assert "by the hour" in texts(at) and not at.error

    at.button(key=Key.EV_START).click().run()
    assert "Evaluation started" in texts(at)
    (started,) = world.services.evaluations.list_for(model.id)
    assert started.status is EvaluationStatus.QUEUED and started.judge_model_id == LITE
    assert "0 of 8 records" in str(at.get("progress")[0].proto)

    world.services.evaluation_runner.run_once()
    at.run()
    shown = texts(at)
    assert "Completed" in shown and "Answered by simulated models" in shown
    scores = at.dataframe[0].value
    assert list(scores["Metric"]) == ["Exact match", "Token F1", "ROUGE-L"]
    exact = scores.set_index("Metric").loc["Exact match"]
    assert (exact["Custom model"], exact["Base model"]) == (5 / 8, 0.0)
    # the judge: the 5 trained-on questions go to the custom model; on the 3 stories the base model's
    # answer (which repeats the question) is nearer the reference than a training record's code
    assert [m.value for m in at.metric][:3] == ["5", "0", "3"]
    records = at.dataframe[1].value
    assert len(records) == 8 and records.iloc[0]["Custom answer"] == records.iloc[0]["Reference"]
    at.segmented_control(key=Key.EV_FILTER).set_value("Losses").run()
    assert list(at.dataframe[1].value["Record"]) == [6, 7, 8]
    at.segmented_control(key=Key.EV_FILTER).set_value("Wins").run()
    assert list(at.dataframe[1].value["Record"]) == [1, 2, 3, 4, 5]
    assert at.get("download_button")  # the CSV export
    shown = texts(at)  # the first record read in full, both answers side by side
    assert "**Record 1** · win" in shown and "**Custom model**" in shown and "**Base model**" in shown
    assert "Item 0 has code C0." in shown
    at.session_state[f"{Key.EV_RECORDS_TABLE}-{started.id}-win-0"] = {
        "selection": {"rows": [2], "columns": [], "cells": []}
    }
    at.run()
    assert "**Record 3** · win" in texts(at)  # a click on a row reads that one


def test_a_bad_evaluation_set_is_refused_with_its_lines(world: World, make_app) -> None:
    world.catalog.sync(actor=ADMIN)
    world.catalog.enable(LITE, actor=ADMIN)
    model = trained_and_served(world, validation=VALIDATION)
    world.objects.put_bytes("s3://studio-test/bad.jsonl", jsonl(2) + b'{"prompt": "no completion"}\n')
    at = evaluations_page(make_app, model.id)
    at.radio(key=Key.EV_SOURCE).set_value("S3 URI").run()
    at.text_input(key=Key.EV_URI).set_value("s3://studio-test/bad.jsonl").run()
    at.button(key=Key.EV_START).click().run()
    assert "Nothing was started" in texts(at) and "line 3" in texts(at)
    assert world.services.evaluations.list_for(model.id) == []


def test_compare_runs_shows_each_runs_latest_evaluation_beside_its_curves(world: World, make_app) -> None:
    from services.evaluation.records import NewEvaluation

    world.catalog.sync(actor=ADMIN)
    world.catalog.enable(LITE, actor=ADMIN)
    model = trained_and_served(world, validation=VALIDATION)
    other = trained_and_served(world, name="coder-2")
    evaluations = world.services.evaluations
    evaluations.run(evaluations.start(NewEvaluation(custom_model_id=model.id), ADMIN).id)
    at = make_app().run()
    at.switch_page("views/compare.py")
    at.run()
    at.multiselect(key=Key.CMP_MODELS).set_value([model.id, other.id]).run()
    table = at.dataframe[0].value
    assert table.loc["Evaluation", "coder-2"] == "— (none completed)"
    assert table.loc["Evaluation", "coder"].startswith("8 records")
    rouge = table.loc["Eval: ROUGE-L (custom / base, Δ 95%)", "coder"]
    assert re.fullmatch(r"0\.\d{3} / 0\.\d{3}, [+-]\d\.\d{3} \[[+-]\d\.\d{3}, [+-]\d\.\d{3}\]", rouge)
    charts = at.get("plotly_chart")
    assert any("against its base" in c.proto.spec for c in charts)


def test_the_judge_list_offers_only_models_that_can_answer_and_never_the_model_under_test(
    world: World, make_app
) -> None:
    from tests.support.fakes import bedrock_model

    world.bedrock.models.append(  # served only by provisioned throughput, with no on-demand variant
        bedrock_model("meta.llama3-2-1b-instruct-v1:0:128k", name="Llama 3.2 1B Instruct", vendor="Meta", chat=True)
    )
    world.catalog.sync(actor=ADMIN)
    world.catalog.enable(LITE, actor=ADMIN)
    world.catalog.enable("bedrock:meta.llama3-2-1b-instruct-v1:0:128k", actor=ADMIN)  # enabled, cannot answer
    model = trained_and_served(world, validation=VALIDATION)
    world.catalog.enable(model.id, actor=ADMIN)  # GREEN: callable, but it cannot judge itself
    at = evaluations_page(make_app, model.id)
    offered = at.selectbox(key=Key.EV_JUDGE).options
    assert any("Titan Text G1 - Lite" in o for o in offered)
    assert model.name not in offered and "Llama 3.2 1B Instruct" not in offered, offered
