"""The one real-browser test: the whole product as a person uses it, in Debian's Chromium driven by
Playwright, against the app started the way `make run` starts it (local backend, fast simulation).

Screenshots of every page visited go to $STUDIO_SCREENSHOTS_DIR (`make screenshots` sets it to
docs/screenshots/, which the README's tour uses), or else to a temporary folder, so `make test`
never rewrites tracked files; on a failure the last page is saved there as failure.png.
"""

from __future__ import annotations

import os
import re
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import orjson
import pytest

from tests.support.servers import free_port, running_server, wait_for

ROOT = Path(__file__).resolve().parents[2]
SHOTS = Path(os.environ.get("STUDIO_SCREENSHOTS_DIR") or tempfile.mkdtemp(prefix="model-studio-shots-"))
CHROMIUM = Path("/usr/bin/chromium")
BASE_MODEL = "meta.llama3-1-8b-instruct-v1:0:128k"

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not CHROMIUM.exists():
        if os.environ.get("STUDIO_E2E_REQUIRED"):
            pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium package (.ci/run does).")
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    port = free_port()
    data = tmp_path_factory.mktemp("e2e-data")
    env = {
        "PORT": str(port),
        "STUDIO_DATA_DIR": str(data),
        "STUDIO_SIM_JOB_SECONDS": "8",
        "STUDIO_SIM_THROUGHPUT_SECONDS": "4",
        "STUDIO_POLL_SECONDS": "1",
        "STUDIO_RECONCILE_SECONDS": "2",
    }
    with running_server(data / "server.log", env, command=["make", "run"], port=port) as url:  # as make run does
        url.data = data  # type: ignore[attr-defined]  # the local object store is under it
        yield url


@pytest.fixture(scope="module")
def browser_page(server: str) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM),
            args=[
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        page = browser.new_page(viewport={"width": 1440, "height": 1000})
        page.set_default_timeout(30_000)
        yield page
        browser.close()


BEST_EPOCH_ON_CHART = """() => {
  const gd = document.querySelector(".updatemenu-button").closest(".js-plotly-plot");
  const raw = gd._fullData.find((d) => d.name === "training (raw)");
  const sums = {}, counts = {};
  for (let i = 0; i < raw.x.length; i++) {
    const epoch = Math.ceil(raw.x[i] - 1e-9);  // x in (e-1, e] is epoch e on the chart's axis
    sums[epoch] = (sums[epoch] || 0) + raw.y[i];
    counts[epoch] = (counts[epoch] || 0) + 1;
  }
  let best = null, low = Infinity;
  for (const epoch in sums) {
    const mean = sums[epoch] / counts[epoch];
    if (mean < low) { low = mean; best = Number(epoch); }
  }
  return best;
}"""


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_timeout(600)  # let charts finish drawing
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def idle(page) -> None:
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']", timeout=60_000)


def test_the_whole_product_in_a_browser(server: str, browser_page, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    page = browser_page
    training = tmp_path / "support-train.jsonl"
    training.write_bytes(
        b"".join(
            orjson.dumps({"prompt": f"How do I reset password #{i}?", "completion": f"Open Settings, step {i}."})
            + b"\n"
            for i in range(150)
        )
    )
    try:
        # Models: filter, select, enable a base model, see it GREEN
        page.goto(server)
        expect(page.get_by_test_id("stDataFrame").first).to_be_visible(timeout=60_000)
        idle(page)
        shot(page, "01-models")
        page.get_by_placeholder("Name or model id").fill(BASE_MODEL)
        page.keyboard.press("Enter")
        expect(page.get_by_text(re.compile(r"^1 of \d+ models"))).to_be_visible()
        idle(page)
        grid = page.get_by_test_id("stDataFrame").first.locator("canvas").first.bounding_box()
        page.mouse.click(grid["x"] + 15, grid["y"] + 35 + 17)  # the first row's selection box
        details = page.get_by_role("dialog")  # where the eye is, whatever is scrolled (not below the sidebar's fold)
        expect(details.get_by_role("heading", name=re.compile("Llama 3.1 8B Instruct"))).to_be_visible()
        expect(details.get_by_role("button", name="Enable", exact=True)).to_be_in_viewport()
        page.set_viewport_size({"width": 1280, "height": 720})
        expect(details.get_by_role("button", name="Enable", exact=True)).to_be_in_viewport()
        idle(page)
        shot(page, "02a-model-details-1280")
        page.set_viewport_size({"width": 1440, "height": 1000})
        details.get_by_role("button", name="Enable", exact=True).click()
        expect(page.get_by_role("dialog")).to_have_count(0)
        expect(
            page.get_by_test_id("stAlertContentSuccess").get_by_text(
                re.compile(r"Enabled Llama 3\.1 8B Instruct .*GREEN")
            )
        ).to_be_visible()
        idle(page)
        shot(page, "02-models-enabled")
        # bulk changes: one click in the dialog sends one request, closes it, and the page shows the result
        for verb, light in (("Disable", "YELLOW"), ("Enable", "GREEN")):
            page.get_by_role("button", name=re.compile(f"^{verb} all shown")).click()
            dialog = page.get_by_role("dialog")
            dialog.get_by_role("button", name=f"{verb} 1 models").click()
            expect(page.get_by_role("dialog")).to_have_count(0)
            expect(page.get_by_test_id("stAlertContentSuccess").get_by_text(f"{verb}d 1 model(s).")).to_be_visible()
            expect(page.get_by_test_id("stToast")).to_have_count(0)  # one message per result, none over the buttons
            idle(page)
            models = httpx.get(f"{server}/api/models", params={"search": BASE_MODEL}, timeout=10).json()["Models"]
            assert [m["StatusLight"] for m in models if m["ModelId"] == BASE_MODEL] == [light]
        page.goto(f"{server}/catalog")  # the Models page's own address
        expect(page.get_by_role("heading", name="Models")).to_be_visible()
        # at 1280 px, Status, Model Name, Type and Traits (and Next action) are in view without scrolling
        page.set_viewport_size({"width": 1280, "height": 720})
        idle(page)
        table = page.get_by_test_id("stDataFrame").first.bounding_box()
        from ui.components import MODEL_COLUMNS

        first = ("Status", "Model Name", "Model Type", "Model Traits", "Next action")
        needed = sum(MODEL_COLUMNS[c]["width"] for c in first) + 40  # + the row-selection column
        assert table is not None and table["width"] >= needed, (table, needed)
        shot(page, "01b-models-1280")
        page.set_viewport_size({"width": 1440, "height": 1000})

        # New Model: the hyperparameter defaults follow the base model; upload the data and create
        httpx.post(f"{server}/api/models/bedrock:amazon.nova-micro-v1:0:128k/enable", timeout=10).raise_for_status()
        page.get_by_role("button", name="New Model").click()
        expect(page.get_by_role("heading", name="New Model")).to_be_visible()
        epochs = page.get_by_role("textbox", name="epochCount")
        expect(epochs).to_have_value("5")  # Llama 3.1's default
        epochs.fill("7")
        page.get_by_role("combobox", name="Base Model").click()
        page.get_by_role("option", name=re.compile("Nova Micro")).click()
        idle(page)
        expect(page.get_by_role("textbox", name="epochCount")).to_have_value("2")  # Nova Micro's own, not 7
        page.get_by_role("combobox", name="Base Model").click()
        page.get_by_role("option", name=re.compile("Llama 3.1 8B Instruct")).click()
        idle(page)
        expect(page.get_by_role("textbox", name="epochCount")).to_have_value("5")  # Llama's own again
        page.get_by_role("textbox", name="Model Name").fill("support-bot")
        page.get_by_test_id("stFileUploaderDropzoneInput").first.set_input_files(str(training))
        expect(page.get_by_test_id("stFileChipName").first).to_have_text("support-train.jsonl")
        page.get_by_role("button", name="Check data").click()
        expect(page.get_by_text("passes every check")).to_be_visible()
        idle(page)
        shot(page, "03-new-model-checked")
        page.get_by_role("button", name="Create model").click()
        expect(page.get_by_text(re.compile("Created support-bot: job InProgress"))).to_be_visible(timeout=60_000)
        page.get_by_text("Open support-bot").click()

        # Custom model: the job completes, throughput is provisioned, the model is enabled
        expect(page.get_by_role("heading", name="Custom Models")).to_be_visible()
        expect(page.get_by_test_id("stMetricValue").first).to_have_text("Completed", timeout=90_000)
        idle(page)
        shot(page, "04-custom-model-completed")
        page.get_by_role("tab", name="Provision Throughput").click()
        expect(page.get_by_text(re.compile("No commitment: .*per model unit-hour"))).to_be_visible()  # the price, first
        idle(page)
        shot(page, "04b-throughput-terms")
        page.get_by_role("button", name="Provision throughput").click()
        dialog = page.get_by_role("dialog")
        expect(dialog.get_by_text(re.compile("even when nobody calls the model"))).to_be_visible()
        dialog.get_by_role("button", name="Provision and start billing").click()
        expect(page.get_by_role("dialog")).to_have_count(0)
        expect(page.get_by_text("InService", exact=True)).to_be_visible(timeout=60_000)
        expect(page.get_by_text("aws bedrock-runtime converse", exact=False).first).to_be_visible()  # invoke
        idle(page)
        shot(page, "05-throughput-in-service")
        page.get_by_role("tab", name="Status").click()
        page.get_by_role("button", name="Enable", exact=True).click()
        expect(page.get_by_text("Enable: done.")).to_be_visible()
        expect(page.get_by_text("GREEN", exact=True)).to_be_visible()

        # Playground: the custom model beside its base model, one question, both answers
        page.get_by_role("button", name="Compare with base model").click()
        expect(page.get_by_role("heading", name="Playground")).to_be_visible()
        expect(page.get_by_text("Simulated models", exact=False)).to_be_visible()
        page.get_by_test_id("stChatInputTextArea").fill("How do I reset password #17?")
        page.keyboard.press("Enter")
        expect(page.get_by_text("Open Settings, step 17.")).to_be_visible(timeout=30_000)  # from its data
        expect(page.get_by_text(re.compile(r"^\[simulated Llama 3\.1 8B"))).to_be_visible()  # the base, generic
        expect(page.get_by_text(re.compile(r" ms · .* tokens · "))).to_have_count(2)
        idle(page)
        shot(page, "06c-playground")
        [made] = httpx.get(f"{server}/api/custom-models", timeout=10).json()["CustomModels"]

        # Evaluation: the custom model against its base on an uploaded set, judged by the base model
        evaluation_set = tmp_path / "support-eval.jsonl"
        evaluation_set.write_bytes(
            b"".join(
                orjson.dumps({"prompt": f"How do I reset password #{i}?", "completion": f"Open Settings, step {i}."})
                + b"\n"
                for i in range(0, 150, 10)
            )
        )
        page.goto(f"{server}/custom-models?model={made['Id']}")
        page.get_by_role("button", name="Evaluate against base").click()
        expect(page.get_by_role("heading", name="Evaluations")).to_be_visible()
        page.get_by_text("Upload a file", exact=True).click()
        page.get_by_test_id("stFileUploaderDropzoneInput").first.set_input_files(str(evaluation_set))
        expect(page.get_by_test_id("stFileChipName").first).to_have_text("support-eval.jsonl")
        page.get_by_role("combobox", name="Judge (optional)").click()
        page.get_by_role("option", name=re.compile("Llama 3.1 8B Instruct")).click()
        idle(page)
        page.get_by_role("button", name="Estimate cost and time").click()
        expect(page.get_by_test_id("stMetricValue").nth(1)).to_have_text("60")  # 15 records × 4 calls
        page.get_by_role("button", name="Start evaluation").click()
        expect(page.get_by_text(re.compile("Evaluation started"))).to_be_visible()
        expect(page.get_by_text(re.compile(r"· Completed$")).first).to_be_visible(timeout=60_000)
        expect(page.get_by_text("Scores", exact=True)).to_be_visible()
        expect(page.get_by_test_id("stMetric").filter(has_text="Judge: custom wins")).to_contain_text("15")
        idle(page)
        shot(page, "06d-evaluation")
        read = page.get_by_text("Click a row above to read it here in full.")
        read.scroll_into_view_if_needed()  # a record read in full: both answers side by side, no sideways scroll
        expect(page.get_by_text("Custom model", exact=True).last).to_be_in_viewport()
        idle(page)
        shot(page, "06e-evaluation-record")
        page.get_by_test_id("stButtonGroup").get_by_text("Losses", exact=True).click()
        idle(page)
        expect(page.get_by_test_id("stDataFrame").nth(1)).to_be_visible()
        [run] = httpx.get(f"{server}/api/custom-models/{made['Id']}/evaluations", timeout=10).json()["Evaluations"]
        assert run["Status"] == "Completed" and run["Summary"]["Metrics"]["exact_match"]["Custom"] == 1.0
        assert run["Summary"]["Judge"] == {"Wins": 15, "Ties": 0, "Losses": 0}
        page.goto(f"{server}/custom-models?model={made['Id']}")
        expect(page.get_by_role("tab", name="Metrics")).to_be_visible(timeout=60_000)

        # Metrics: the loss chart
        page.get_by_role("tab", name="Metrics").click()
        expect(page.get_by_test_id("stPlotlyChart").first).to_be_visible()
        expect(page.get_by_text("Final training loss", exact=True)).to_be_visible()
        expect(page.locator(".updatemenu-button", has_text="Log scale")).to_be_visible()  # acts in the browser
        idle(page)
        shot(page, "06-metrics")
        # the "Best epoch" card says what the chart shows: the epoch (on the chart's epoch axis) of the
        # lowest mean training loss (this run has no validation data)
        page.get_by_text("epoch", exact=True).click()
        idle(page)
        card = page.get_by_test_id("stMetric").filter(has_text="Best epoch").get_by_test_id("stMetricValue")
        # the rerun the click starts may not have begun when idle() looks: read the chart until it is
        # drawn on the epoch axis (its best "epoch" is then a small number the card must show)
        deadline = time.monotonic() + 30
        while True:
            charted = page.evaluate(BEST_EPOCH_ON_CHART)
            if card.inner_text().strip() == str(charted):
                break
            assert time.monotonic() < deadline, (
                f"the chart's best epoch {charted} is not the card's {card.inner_text()}"
            )
            page.wait_for_timeout(250)
        # a new run from this one: the form, prefilled under the next free name
        page.get_by_role("button", name="New run from this one").click()
        expect(page.get_by_role("heading", name="New Model")).to_be_visible()
        expect(page.get_by_role("textbox", name="Model Name")).to_have_value("support-bot-2")
        expect(page.get_by_text(re.compile("A new run from support-bot"))).to_be_visible()
        idle(page)
        shot(page, "06b-new-run-prefilled")

        # Costs: an estimate, then the costs so far
        page.get_by_role("link", name="Cost Estimator").click()
        expect(page.get_by_role("heading", name="Cost Estimator")).to_be_visible()
        page.get_by_test_id("stSelectbox").first.click()
        page.keyboard.type("amazon.titan-text-lite-v1:0:4k")
        page.keyboard.press("Enter")
        idle(page)
        page.get_by_role("button", name="Estimate").click()
        expect(page.get_by_text("Total", exact=True)).to_be_visible()
        expect(page.get_by_text("$574.65").or_(page.get_by_text(re.compile(r"^\$[0-9,.]+$")).first)).to_be_visible()
        expect(page.get_by_test_id("stPlotlyChart").first).to_be_visible()
        expect(page.get_by_text("per model unit-hour").first).to_be_attached()  # prices per their real unit
        idle(page)
        shot(page, "07-cost-estimator")
        page.get_by_role("link", name="Costs", exact=True).click()
        expect(page.get_by_role("heading", name="Costs")).to_be_visible()
        models = page.get_by_test_id("stMetric").filter(has_text="Custom models").get_by_test_id("stMetricValue")
        expect(models).to_have_text("1")  # one custom model
        expect(page.get_by_text("No monthly budget set")).to_be_visible()
        expect(page.get_by_test_id("stMetric").filter(has_text="Spent in ")).to_be_visible()
        idle(page)
        shot(page, "08-costs")
        # Prices without a source: said in words with AWS's page; the local admin sets one, with its source
        page.set_viewport_size({"width": 1280, "height": 720})
        prices = page.get_by_test_id("stExpander").filter(has_text="without a source")
        expect(prices).to_be_visible()
        expect(prices.get_by_text("No source was found for these prices")).to_be_visible()
        expect(prices.get_by_role("link", name="pricing page")).to_have_attribute(
            "href", "https://aws.amazon.com/bedrock/pricing/"
        )
        prices.get_by_test_id("stSelectbox").first.click()
        page.keyboard.type("Llama 3.1 8B Instruct (128K, fine-tunable) · us-west-2")
        page.keyboard.press("Enter")
        prices.get_by_label("US dollars").fill("0.0015")
        prices.get_by_label("Source").fill("AWS pricing page, Meta Llama table, read 2026-12-04")
        prices.get_by_role("button", name="Set price").click()
        expect(
            page.get_by_text(
                re.compile(r"Llama 3.1 8B Instruct \(128K, fine-tunable\) in us-west-2: .* set to \$0\.0015")
            )
        ).to_be_visible()
        prices.scroll_into_view_if_needed()
        idle(page)
        shot(page, "08b-prices")
        page.set_viewport_size({"width": 1440, "height": 1000})
        priced = httpx.get(
            f"{server}/api/prices", params={"model": "bedrock:meta.llama3-1-8b-instruct-v1:0:128k"}, timeout=10
        ).json()["Prices"]
        assert [p["Components"]["training"]["SetBy"] for p in priced if p["Components"]["training"]["Price"]]

        # Remove throughput (the model turns RED and is disabled), then delete the model
        page.get_by_role("link", name="Custom Models").click()
        expect(page.get_by_role("heading", name="Custom Models")).to_be_visible()
        expect(page.get_by_text("1 of 1 runs. Click a row to open it.")).to_be_visible()  # every run at a glance
        idle(page)
        shot(page, "09-runs")
        [run] = httpx.get(f"{server}/api/custom-models", timeout=10).json()["CustomModels"]
        page.goto(f"{server}/custom-models?model={run['Id']}")
        expect(page.get_by_role("tab", name="Provision Throughput")).to_be_visible(timeout=60_000)
        page.get_by_role("tab", name="Provision Throughput").click()
        # its own idle guard: never removed, whatever the team's setting
        page.get_by_text("Idle guard", exact=True).click()
        page.get_by_text("Never remove this model's throughput").click()
        idle(page)
        page.get_by_role("button", name="Save idle guard").click()
        expect(page.get_by_text("Idle guard: done.")).to_be_visible()
        assert httpx.get(f"{server}/api/custom-models/{run['Id']}", timeout=10).json()["IdleGuardHours"] == 0
        page.get_by_role("button", name="Remove throughput").click()
        dialog = page.get_by_role("dialog")
        expect(dialog.get_by_text("will also be disabled")).to_be_visible()
        dialog.get_by_role("button", name="Remove throughput").click()
        expect(page.get_by_role("dialog")).to_have_count(0)
        expect(page.get_by_text("Remove throughput: done.")).to_be_visible()
        expect(page.get_by_text("RED", exact=True)).to_be_visible()
        page.get_by_role("tab", name="Configuration").click()
        page.get_by_role("button", name="Delete model").click()
        dialog = page.get_by_role("dialog")
        dialog.get_by_role("textbox").fill("support-bot")  # typed, then one click: no Enter needed
        dialog.get_by_role("button", name="Delete", exact=True).click()
        expect(page.get_by_role("dialog")).to_have_count(0)
        expect(page.get_by_text("Delete: done.")).to_be_visible()
        expect(page.get_by_text("No custom models yet.")).to_be_visible()
        page.get_by_role("link", name="Costs", exact=True).click()  # what it cost stays: a ledger
        expect(page.get_by_role("heading", name="Costs")).to_be_visible()
        models = page.get_by_test_id("stMetric").filter(has_text="Custom models").get_by_test_id("stMetricValue")
        expect(models).to_have_text("0")  # no live custom model
        expect(page.get_by_text("1 deleted model(s) kept here with what they cost")).to_be_visible()
        idle(page)
        shot(page, "10-costs-ledger")
        assert httpx.get(f"{server}/api/custom-models", timeout=10).json() == {"CustomModels": []}

        # Notices: the bell's count, the page, choosing events, marking read
        page.get_by_role("link", name="Notices").click()
        expect(page.get_by_role("heading", name="Notices", exact=True)).to_be_visible()
        expect(page.get_by_role("heading", name=re.compile(r"Your notices \(\d+ new\)"))).to_be_visible()
        expect(page.get_by_text("Job completed").first).to_be_attached()
        idle(page)
        shot(page, "11-notices")
        page.get_by_role("button", name="Mark all read").click()
        expect(page.get_by_role("heading", name="Your notices", exact=True)).to_be_visible()
        expect(page.get_by_test_id("stSidebar").get_by_text("Notices", exact=True).first).to_be_visible()
        page.get_by_text("Every event", exact=True).click()  # off: only the events picked
        page.get_by_role("button", name="Save").click()
        expect(page.get_by_text(re.compile("Saved: the bell and e-mail follow it"))).to_be_visible()
        assert httpx.get(f"{server}/api/notices/preferences", timeout=10).json()["Events"] == []
    except BaseException:
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "failure.png"), full_page=True)
        raise


def test_an_on_demand_deployment_shows_its_price_and_asks_before_deploying_and_removing(
    server: str, browser_page
) -> None:
    """A custom Nova model: the per-token price first, a confirmation that says what happens, both ways."""
    from playwright.sync_api import expect

    from tests.support.factories import nova_jsonl

    page = browser_page
    sets = server.data / "s3" / "model-studio" / "sets"  # type: ignore[attr-defined]
    sets.mkdir(parents=True, exist_ok=True)
    (sets / "nova.jsonl").write_bytes(nova_jsonl(120))
    nova = "bedrock:amazon.nova-micro-v1:0:128k"
    httpx.post(f"{server}/api/models/{nova}/enable", timeout=10)  # (already enabled by the first test, or now)
    created = httpx.post(
        f"{server}/api/custom-models",
        json={
            "ModelName": "nova-on-demand",
            "BaseModelId": nova,
            "TrainingDataLocation": "s3://model-studio/sets/nova.jsonl",
        },
        timeout=60,
    )
    assert created.status_code == 201, created.text
    model_id = created.json()["Id"]
    deadline = time.monotonic() + 60
    while httpx.get(f"{server}/api/custom-models/{model_id}", timeout=10).json()["Status"] != "Complete":
        assert time.monotonic() < deadline, "the job did not complete"
        time.sleep(0.5)
    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto(f"{server}/custom-models?model={model_id}")
    expect(page.get_by_role("tab", name="Deploy on demand")).to_be_visible(timeout=60_000)
    page.get_by_role("tab", name="Deploy on demand").click()
    expect(page.get_by_text(re.compile(r"\$0\.035 per million input tokens"))).to_be_visible()
    page.get_by_role("button", name="Deploy on demand").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_text("Nothing is billed while nobody calls it", exact=False)).to_be_visible()
    idle(page)
    shot(page, "05b-deploy-confirm")
    dialog.get_by_role("button", name="Deploy", exact=True).click()
    expect(page.get_by_role("dialog")).to_have_count(0)
    expect(page.get_by_text("Deploy on demand: done.")).to_be_visible()
    deadline = time.monotonic() + 60
    while httpx.get(f"{server}/api/custom-models/{model_id}", timeout=10).json()["DeploymentStatus"] != "Active":
        assert time.monotonic() < deadline, "the deployment did not become Active"
        time.sleep(0.5)
    page.reload()
    expect(page.get_by_role("tab", name="Deploy on demand")).to_be_visible(timeout=60_000)
    page.get_by_role("tab", name="Deploy on demand").click()
    page.get_by_role("button", name="Remove the deployment").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_text("Every caller of its ARN gets an error", exact=False)).to_be_visible()
    dialog.get_by_role("button", name="Remove the deployment").click()
    expect(page.get_by_role("dialog")).to_have_count(0)
    assert httpx.get(f"{server}/api/custom-models/{model_id}", timeout=10).json()["DeploymentStatus"] is None
    page.set_viewport_size({"width": 1440, "height": 1000})


@pytest.mark.parametrize(
    ("path", "heading"),
    [("/costs", "Costs"), ("/activity", "Activity"), ("/cost-estimator", "Cost Estimator"), ("/spend", "Costs")],
)
def test_a_pages_address_is_its_name(server: str, browser_page, path: str, heading: str) -> None:
    """The address matches the label in the menu (and an old address still opens its page)."""
    from playwright.sync_api import expect

    page = browser_page
    page.goto(f"{server}{path}")
    expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible(timeout=60_000)
    assert page.url.rstrip("/").endswith(path if path != "/spend" else "/costs"), page.url


def _lines(records: list[dict[str, str]]) -> bytes:
    return b"".join(orjson.dumps(r) + b"\n" for r in records)


def test_what_a_newcomer_tripped_on_at_1280x720(server: str, browser_page, tmp_path: Path) -> None:
    """The newcomer's walk (issue 26), item by item, at 1280×720: names of variants, Check data's
    warnings with their lines, wrong-format help grouped with the whole file converted, problem counts
    in words, the outcome beside the light, the job's story, the judge list, prices with sources,
    and the bell in words."""
    from playwright.sync_api import expect

    page = browser_page
    page.set_viewport_size({"width": 1280, "height": 720})
    llama, nova = f"bedrock:{BASE_MODEL}", "bedrock:amazon.nova-micro-v1:0:128k"
    for model in (llama, nova):
        httpx.post(f"{server}/api/models/{model}/enable", timeout=10)
    # every event in the bell (an earlier test may have chosen none)
    httpx.put(f"{server}/api/notices/preferences", json={"Events": None, "Scope": "all"}, timeout=10).raise_for_status()
    qa = [{"prompt": f"How do I reset password #{i}?", "completion": f"Open Settings, step {i}."} for i in range(110)]
    warned = tmp_path / "warned.jsonl"  # lines 111-112 repeat 1-2; line 113 asks nothing
    warned.write_bytes(_lines(qa + qa[:2] + [{"prompt": " ", "completion": "Nothing."}]))
    copied = tmp_path / "copied.jsonl"  # validation lines 2-3 are training lines 6-7
    copied.write_bytes(_lines([{"prompt": "New question?", "completion": "New answer."}, qa[5], qa[6]]))
    try:
        # 4. one naming rule: the variant says what it is for, in the form's base model list
        page.goto(f"{server}/new-model")
        expect(page.get_by_role("heading", name="New Model")).to_be_visible(timeout=60_000)
        idle(page)
        page.get_by_role("combobox", name="Base Model").click()
        expect(
            page.get_by_role("option", name=re.compile(r"Llama 3\.1 8B Instruct \(128K, fine-tunable\)"))
        ).to_be_visible()
        page.get_by_role("option", name=re.compile(r"Llama 3\.1 8B Instruct")).click()
        idle(page)
        # 2. Check data warns of repeats, copies and empty prompts, each with its lines
        page.get_by_role("textbox", name="Model Name").fill("warned-bot")
        page.get_by_test_id("stFileUploaderDropzoneInput").nth(0).set_input_files(str(warned))
        page.get_by_test_id("stFileUploaderDropzoneInput").nth(1).set_input_files(str(copied))
        expect(page.get_by_test_id("stFileChipName").nth(1)).to_have_text("copied.jsonl")
        page.get_by_role("button", name="Check data").click()
        warnings = page.get_by_test_id("stAlertContentWarning")
        expect(
            warnings.get_by_text(re.compile(r"repeat an earlier record of the file \(lines 111–112\)"))
        ).to_be_visible()
        expect(warnings.get_by_text(re.compile(r"empty prompt or user turn \(line 113\)"))).to_be_visible()
        expect(warnings.get_by_text(re.compile(r"exact copies of training records \(lines 2–3\)"))).to_be_visible()
        idle(page)
        shot(page, "12-check-data-warnings-1280")
        # a bad name is said by Check data, in Create's words
        page.get_by_role("textbox", name="Model Name").fill("bad name!")
        page.get_by_role("button", name="Check data").click()
        expect(page.get_by_test_id("stAlertContentError").get_by_text(re.compile("^Model Name"))).to_be_visible()

        # 7. the wrong format: one grouped problem, the whole file converted to download; 10. counts in words
        page.get_by_role("textbox", name="Model Name").fill("nova-bot")
        idle(page)
        page.get_by_role("combobox", name="Base Model").scroll_into_view_if_needed()
        page.get_by_role("combobox", name="Base Model").click()
        page.keyboard.type("Nova Micro")
        page.keyboard.press("Enter")
        idle(page)
        expect(page.get_by_role("combobox", name="Base Model")).to_have_value(re.compile("Nova Micro"))
        page.get_by_role("button", name="Check data").click()
        errors = page.get_by_test_id("stAlertContentError")
        expect(errors.get_by_text(re.compile(r"Training Data, lines 1–\d+"))).to_be_visible()
        expect(page.get_by_role("button", name=re.compile(r"Download the whole file converted"))).to_be_visible()
        body = page.locator("[data-testid='stMain']").inner_text()
        assert not re.search(r"\(\d+ (file|json|format|keys)[,)]", body), body  # no kind codes on screen
        assert "problem(s)" not in body and "UNCONFIRMED" not in body and "[PRICE-" not in body
        idle(page)
        shot(page, "13-wrong-format-1280")

        # 3. and 11. a completed job: its outcome beside the light, and its story on the Status tab
        sets = server.data / "s3" / "model-studio" / "sets"  # type: ignore[attr-defined]
        sets.mkdir(parents=True, exist_ok=True)
        (sets / "walk.jsonl").write_bytes(_lines(qa))
        created = httpx.post(
            f"{server}/api/custom-models",
            json={
                "ModelName": "walk-bot",
                "BaseModelId": llama,
                "TrainingDataLocation": "s3://model-studio/sets/walk.jsonl",
            },
            timeout=60,
        )
        assert created.status_code == 201, created.text
        made = created.json()["Id"]
        wait_for(lambda: httpx.get(f"{server}/api/custom-models/{made}", timeout=10).json()["Status"] == "Complete")
        page.goto(f"{server}/custom-models?model={made}")
        expect(page.get_by_role("tab", name="Status")).to_be_visible(timeout=60_000)
        expect(page.get_by_text(re.compile(r"Completed · provision")).first).to_be_visible()
        story = page.get_by_test_id("stExpander").filter(has_text="The job's story")
        expect(story.get_by_text("Job ARN", exact=False)).to_be_visible()
        expect(story.get_by_text("s3://model-studio/sets/walk.jsonl", exact=False)).to_be_visible()
        expect(story.get_by_text(re.compile(r"^Duration"))).to_be_visible()
        idle(page)
        shot(page, "14-job-story-1280")

        # 5. the judge list: models that can answer now, never the model under test
        page.goto(f"{server}/evaluations?model={made}")
        expect(page.get_by_role("heading", name="Evaluations")).to_be_visible(timeout=60_000)
        idle(page)
        judge = page.get_by_role("combobox", name="Judge (optional)")
        judge.scroll_into_view_if_needed()
        idle(page)
        judge.click()
        if not page.get_by_role("option").count():
            judge.press("ArrowDown")
        expect(page.get_by_role("option").first).to_be_visible()
        options = page.get_by_role("option").all_inner_texts()
        page.keyboard.press("Escape")
        assert "No judge" in options and "walk-bot" not in " ".join(options), options
        assert not any("Llama 3.2" in o for o in options), options  # served by throughput only: cannot answer

        # 1. prices: a fine-tunable Nova priced, each price with its source
        page.goto(f"{server}/cost-estimator")
        expect(page.get_by_role("heading", name="Cost Estimator")).to_be_visible(timeout=60_000)
        page.get_by_test_id("stSelectbox").first.click()
        page.keyboard.type("amazon.nova-micro-v1:0:128k")
        page.keyboard.press("Enter")
        idle(page)
        page.get_by_role("button", name="Estimate").click()
        expect(page.get_by_text("Total", exact=True)).to_be_visible()
        training = page.get_by_test_id("stMetric").filter(has_text="Training").get_by_test_id("stMetricValue")
        expect(training).to_have_text(re.compile(r"^\$[0-9,.]+$"))  # priced, from a source
        unknown = page.get_by_test_id("stAlertContentWarning").filter(has_text="The total is unknown")
        if unknown.count():  # a price AWS's pages do not give is said so, with the page to read
            expect(unknown.get_by_role("link", name="pricing page")).to_have_attribute(
                "href", "https://aws.amazon.com/bedrock/pricing/"
            )
        priced = httpx.get(f"{server}/api/prices", params={"model": nova}, timeout=10).json()["Prices"]
        training = [p["Components"]["training"] for p in priced]
        assert training and any(t["Price"] for t in training), training  # priced where customized
        assert all(t["Url"].startswith("https://") and t["Source"] for t in training), training  # each with a source
        page.get_by_test_id("stMetric").filter(has_text="Total").scroll_into_view_if_needed()
        idle(page)
        shot(page, "15-estimate-nova-1280")

        # 10. the bell: words, and a link to the model
        page.get_by_test_id("stSidebar").get_by_test_id("stPopover").first.click()
        expect(page.get_by_text("Job completed").first).to_be_visible()
        assert "job.completed" not in page.inner_text("body")
    except BaseException:
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "failure-newcomer.png"), full_page=True)
        raise
    finally:
        page.set_viewport_size({"width": 1440, "height": 1000})


def test_reinforcement_fine_tuning_in_a_browser(server: str, browser_page, tmp_path: Path) -> None:
    """Reinforcement fine-tuning at 1280×720: the method first, the simulation's grader (it says it cannot call
    Lambda), Test grader's rewards before anything is paid, Create, the job's rewards charted."""
    from playwright.sync_api import expect

    from tests.support.factories import NOVA_2_LITE, rft_jsonl

    page = browser_page
    sums = tmp_path / "sums.jsonl"
    sums.write_bytes(rft_jsonl(120))
    httpx.post(f"{server}/api/models/{NOVA_2_LITE}/enable", timeout=10)
    page.set_viewport_size({"width": 1280, "height": 720})
    try:
        page.goto(f"{server}/new-model")
        expect(page.get_by_role("heading", name="New Model")).to_be_visible(timeout=60_000)
        idle(page)
        page.get_by_role("combobox", name="Customization Type").click()
        page.get_by_role("option", name="Reinforcement fine-tuning").click()
        idle(page)
        expect(page.get_by_role("combobox", name="Base Model")).to_have_value(re.compile("Nova 2 Lite"))
        expect(page.get_by_text("it cannot call AWS Lambda", exact=False)).to_be_visible()
        page.get_by_role("textbox", name="Model Name").fill("sums-bot")
        page.get_by_test_id("stFileUploaderDropzoneInput").first.set_input_files(str(sums))
        expect(page.get_by_test_id("stFileChipName").first).to_have_text("sums.jsonl")
        page.get_by_role("button", name="Test grader", exact=True).click()
        expect(
            page.get_by_text("built-in exact-match: mean reward 1.000 over 5 record(s)", exact=False)
        ).to_be_visible()
        idle(page)
        shot(page, "14-rft-test-grader-1280")
        page.get_by_role("button", name="Create model").click()
        expect(page.get_by_text(re.compile("Created sums-bot"))).to_be_visible(timeout=60_000)
        [model] = [
            m
            for m in httpx.get(f"{server}/api/custom-models", timeout=10).json()["CustomModels"]
            if m["ModelName"] == "sums-bot"
        ]
        assert model["ModelType"] == "REINFORCEMENT_FINE_TUNING"
        assert model["CustomizationConfig"] == {"Grader": {"Builtin": "exact-match"}}
        deadline = time.monotonic() + 60
        while httpx.get(f"{server}/api/custom-models/{model['Id']}", timeout=10).json()["Status"] != "Complete":
            assert time.monotonic() < deadline, "the job did not complete"
            time.sleep(0.5)
        page.goto(f"{server}/custom-models?model={model['Id']}")
        expect(page.get_by_role("tab", name="Metrics")).to_be_visible(timeout=60_000)
        page.get_by_role("tab", name="Metrics").click()
        expect(page.get_by_text("Final reward (mean)")).to_be_visible()
        expect(page.get_by_text("Highest reward (mean)")).to_be_visible()
        idle(page)
        shot(page, "15-rft-rewards-1280")
    finally:
        page.set_viewport_size({"width": 1440, "height": 1000})


def test_distillation_in_a_browser(server: str, browser_page, tmp_path: Path) -> None:
    """Distillation at 1280×720: the method, the student, its enabled teacher and the longest answer, Check data
    showing the teacher's part of the cost, Create, the job completed, the teacher on the model's page."""
    from playwright.sync_api import expect

    from tests.support.factories import NOVA_MICRO, NOVA_PRO, distill_jsonl

    page = browser_page
    prompts = tmp_path / "prompts.jsonl"
    prompts.write_bytes(distill_jsonl(120))
    for model_id in (NOVA_MICRO, NOVA_PRO):
        httpx.post(f"{server}/api/models/{model_id}/enable", timeout=10)
    page.set_viewport_size({"width": 1280, "height": 720})
    try:
        page.goto(f"{server}/new-model")
        expect(page.get_by_role("heading", name="New Model")).to_be_visible(timeout=60_000)
        idle(page)
        page.get_by_role("combobox", name="Customization Type").click()
        page.get_by_role("option", name="Distillation").click()
        idle(page)
        page.get_by_role("combobox", name="Base Model").click()
        page.get_by_role("option", name=re.compile("Nova Micro")).first.click()
        idle(page)
        expect(page.get_by_role("combobox", name="Teacher model")).to_have_value(re.compile("Nova Pro"))
        page.get_by_role("textbox", name="Model Name").fill("shelf-bot")
        page.get_by_role("textbox", name="Longest teacher answer, in tokens (optional)").fill("800")
        page.get_by_test_id("stFileUploaderDropzoneInput").first.set_input_files(str(prompts))
        expect(page.get_by_test_id("stFileChipName").first).to_have_text("prompts.jsonl")
        page.get_by_role("button", name="Check data", exact=True).click()
        expect(page.get_by_text("Teacher: writing the answers").first).to_be_visible(timeout=60_000)
        idle(page)
        shot(page, "16-distillation-check-1280")
        page.get_by_role("button", name="Create model").click()
        expect(page.get_by_text(re.compile("Created shelf-bot"))).to_be_visible(timeout=60_000)
        [model] = [
            m
            for m in httpx.get(f"{server}/api/custom-models", timeout=10).json()["CustomModels"]
            if m["ModelName"] == "shelf-bot"
        ]
        assert model["ModelType"] == "DISTILLATION"
        assert model["CustomizationConfig"] == {"TeacherModelId": "amazon.nova-pro-v1:0", "MaxResponseLength": 800}
        deadline = time.monotonic() + 60
        while httpx.get(f"{server}/api/custom-models/{model['Id']}", timeout=10).json()["Status"] != "Complete":
            assert time.monotonic() < deadline, "the job did not complete"
            time.sleep(0.5)
        page.goto(f"{server}/custom-models?model={model['Id']}")
        expect(page.get_by_role("button", name="Tune further")).to_be_visible(timeout=60_000)
        page.get_by_role("tab", name="Configuration").click()
        expect(page.get_by_role("tab", name="Configuration", selected=True)).to_be_visible()
        idle(page)  # the teacher is a cell of the settings table (a canvas): read on the screenshot
        shot(page, "17-distilled-model-1280")
    finally:
        page.set_viewport_size({"width": 1440, "height": 1000})


def test_endpoint_promoted_and_rolled_back_in_a_browser(server: str, browser_page) -> None:
    """Endpoints at 1280×720: a Nova deployment's endpoint promoted to another Nova run in a dialog that names both
    models, then rolled back; the ARN never changes."""
    from playwright.sync_api import expect

    from tests.support.factories import nova_jsonl

    page = browser_page
    sets = server.data / "s3" / "model-studio" / "sets"  # type: ignore[attr-defined]
    sets.mkdir(parents=True, exist_ok=True)
    (sets / "runs.jsonl").write_bytes(nova_jsonl(120))
    nova = "bedrock:amazon.nova-micro-v1:0:128k"
    httpx.post(f"{server}/api/models/{nova}/enable", timeout=10)
    made = []
    for name in ("support-6", "support-7"):
        created = httpx.post(
            f"{server}/api/custom-models",
            json={"ModelName": name, "BaseModelId": nova, "TrainingDataLocation": "s3://model-studio/sets/runs.jsonl"},
            timeout=60,
        )
        assert created.status_code == 201, created.text
        made.append(created.json()["Id"])
    for model_id in made:
        wait_for(
            lambda m=model_id: httpx.get(f"{server}/api/custom-models/{m}", timeout=10).json()["Status"] == "Complete"
        )
    endpoint = httpx.post(
        f"{server}/api/endpoints", json={"Kind": "ON_DEMAND", "ModelId": made[0], "Name": "support-prod"}, timeout=60
    )
    assert endpoint.status_code == 202, endpoint.text
    arn = endpoint.json()["Arn"]
    wait_for(
        lambda: httpx.get(f"{server}/api/endpoints/{endpoint.json()['Id']}", timeout=10).json()["Status"] == "Active"
    )
    page.set_viewport_size({"width": 1280, "height": 720})
    try:
        page.goto(f"{server}/endpoints")
        expect(page.get_by_role("heading", name="Endpoints")).to_be_visible(timeout=60_000)
        page.get_by_role("combobox", name="Endpoint").click()
        page.get_by_role("option", name="support-prod").click()
        idle(page)
        page.get_by_role("combobox", name="Promote").click()
        page.get_by_role("option", name="support-7").click()
        page.get_by_role("button", name="Promote…").click()
        dialog = page.get_by_role("dialog")
        expect(dialog.get_by_text("instead of", exact=False)).to_be_visible()
        idle(page)
        shot(page, "18-endpoint-promote-1280")
        dialog.get_by_role("button", name="Promote support-7").click()
        expect(page.get_by_text("Promote support-7: done.")).to_be_visible(timeout=60_000)
        shown = httpx.get(f"{server}/api/endpoints/{endpoint.json()['Id']}", timeout=10).json()
        assert shown["ModelName"] == "support-7" and shown["Arn"] == arn
        page.get_by_role("button", name="Roll back…").click()
        page.get_by_role("dialog").get_by_role("button", name="Roll back").click()
        expect(page.get_by_text("Roll back support-prod: done.")).to_be_visible(timeout=60_000)
        shown = httpx.get(f"{server}/api/endpoints/{endpoint.json()['Id']}", timeout=10).json()
        assert shown["ModelName"] == "support-6" and shown["Arn"] == arn
        assert [h["Action"] for h in shown["History"]] == ["create", "promote", "rollback"]
        idle(page)
        shot(page, "19-endpoint-history-1280")
    finally:
        page.set_viewport_size({"width": 1440, "height": 1000})
