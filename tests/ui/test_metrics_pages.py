"""The Metrics tab and the Compare Runs page, through app.py, on the local control plane."""

from __future__ import annotations

import io

import orjson
from streamlit.testing.v1 import AppTest

from services.customization import NewCustomModel, Upload
from tests.support.factories import LLAMA, jsonl
from tests.support.fakes import ADMIN, World
from ui.state import Key


def create(world: World, name: str, epochs: str = "3"):
    data, val = jsonl(110), jsonl(20, 1000)
    return world.customization.create(
        NewCustomModel(name=name, base_model_id=LLAMA, hyperparameters={"epochCount": epochs}),
        Upload("train.jsonl", io.BytesIO(data), len(data)),
        Upload("val.jsonl", io.BytesIO(val), len(val)),
        actor=ADMIN,
    )


def texts(at: AppTest) -> str:
    kinds = ("markdown", "caption", "info", "success", "warning", "error")
    return "\n".join(str(e.value) for kind in kinds for e in getattr(at, kind))


def open_model(make_app, model_id: str, tab: str = "Metrics") -> AppTest:
    at = make_app().run()
    at.switch_page("views/custom_model.py")
    at.query_params["model"] = model_id
    at.session_state[Key.CM_TABS] = tab  # tabs are lazy: only the open one runs
    at.run()
    assert not at.exception, at.exception
    return at


def test_a_running_job_says_metrics_come_later(w: World, make_app) -> None:
    model = create(w, "bot-a")
    at = open_model(make_app, model.id)
    assert "No metrics yet: the job is InProgress" in texts(at)
    assert at.get("download_button")  # the data downloads are there already


def metrics_charts(at):
    """The metrics chart(s), not the data's token histograms (keyed hist-…)."""
    return [c for c in at.get("plotly_chart") if not str(c.key or "").startswith("hist-")]


def test_a_completed_job_shows_its_summary_and_chart(w: World, make_app) -> None:
    model = create(w, "bot-a")
    w.clock.advance(seconds=61)
    w.customization.refresh(model.id)
    at = open_model(make_app, model.id)
    labels = [m.label for m in at.metric]
    assert {"Final training loss", "Best epoch", "Final validation loss", "Min validation loss"} <= set(labels)
    charts = metrics_charts(at)
    assert len(charts) == 1
    figure = orjson.loads(charts[0].proto.spec)
    names = {t.get("name") for t in figure["data"]}
    assert {"training", "validation", "training (raw)"} <= names
    assert all(t["type"] == "scattergl" for t in figure["data"])
    assert sorted({s["x0"] for s in figure["layout"]["shapes"]}) == [110, 220]  # epochs 2 and 3 start there
    [scale] = figure["layout"]["updatemenus"]  # the y scale switches in the browser, for both panels
    assert [b["label"] for b in scale["buttons"]] == ["Linear", "Log scale"]
    assert scale["buttons"][1]["args"] == [{"yaxis.type": "log", "yaxis2.type": "log"}]
    at.radio(key=Key.MX_AXIS).set_value("epoch").run()
    figure = orjson.loads(metrics_charts(at)[0].proto.spec)
    assert figure["layout"]["xaxis2"]["title"]["text"] == "epoch"


def test_compare_runs_overlays_models_and_lists_their_settings(w: World, make_app) -> None:
    first, second = create(w, "bot-a", "2"), create(w, "bot-b", "3")
    w.clock.advance(seconds=61)
    for m in (first, second):
        w.customization.refresh(m.id)
    at = make_app().run()
    at.switch_page("views/compare.py").run()
    assert not at.exception
    figure = orjson.loads(at.get("plotly_chart")[0].proto.spec)
    names = {t.get("name") for t in figure["data"]}
    assert {"bot-a · training", "bot-b · training", "bot-a · validation", "bot-b · validation"} <= names
    assert not at.toggle  # one log-scale control: the chart's own buttons
    assert [b["label"] for b in figure["layout"]["updatemenus"][0]["buttons"]] == ["Linear", "Log scale"]
    assert figure["layout"]["uirevision"] == "compare-loss"  # what the reader set stays put across reruns
    colours = {t["name"]: t["line"]["color"] for t in figure["data"] if t.get("name", "").endswith("· training")}
    one = open_model(make_app, first.id)  # the same run, on its own page: the same colour
    alone = orjson.loads(metrics_charts(one)[0].proto.spec)
    training = next(t for t in alone["data"] if t.get("name") == "training")
    assert (
        training["line"]["color"] == colours["bot-a · training"]
        and colours["bot-b · training"] != training["line"]["color"]
    )
    table = at.dataframe[0].value
    assert list(table.columns) == ["bot-a", "bot-b"]
    assert table.loc["hp: epochCount"].tolist() == ["2", "3"]
    assert table.loc["Base model"].tolist() == ["Llama 3.1 8B Instruct", "Llama 3.1 8B Instruct"]


def test_compare_runs_without_completed_models(world: World, make_app) -> None:
    at = make_app().run()
    at.switch_page("views/compare.py").run()
    assert "No completed custom models yet" in texts(at)
