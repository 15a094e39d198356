"""Every way to serve, in Debian's Chromium at 1280×720, against the app started as `make run` starts it with two
regions configured: a one-month throughput priced and confirmed, a copy to the second region, an import (and a
refused one, the missing file named), and an evaluation on Bedrock's batch engine that completes with results."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest

from tests.e2e.test_browser import CHROMIUM, browser_page, idle, shot  # noqa: F401  (browser_page: a fixture)
from tests.support.factories import jsonl, nova_jsonl
from tests.support.servers import free_port, running_server, wait_for

pytestmark = pytest.mark.e2e
NOVA = "bedrock:amazon.nova-micro-v1:0:128k"
TITAN = "bedrock:amazon.titan-text-lite-v1:0:4k"
WEIGHTS = {
    "config.json": b'{"model_type": "mistral"}', "tokenizer.json": b"{}", "tokenizer_config.json": b"{}",
    "model.safetensors": b"\0" * 2048,
}  # fmt: skip


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    port = free_port()
    data = tmp_path_factory.mktemp("e2e-serving")
    env = {
        "PORT": str(port), "STUDIO_DATA_DIR": str(data), "STUDIO_SIM_JOB_SECONDS": "6",
        "STUDIO_SIM_THROUGHPUT_SECONDS": "3", "STUDIO_POLL_SECONDS": "1", "STUDIO_RECONCILE_SECONDS": "2",
        "STUDIO_AWS_REGIONS": "us-east-1,us-west-2", "STUDIO_EVAL_BATCH_MIN_RECORDS": "20",
    }  # fmt: skip
    with running_server(data / "server.log", env, command=["make", "run"], port=port) as url:
        url.data = data  # type: ignore[attr-defined]  # the local object store is under it
        yield url


def test_a_term_a_copy_an_import_and_a_batch_evaluation_in_a_browser(server: str, browser_page) -> None:  # noqa: F811
    from playwright.sync_api import expect

    page = browser_page
    bucket = server.data / "s3" / "model-studio"  # type: ignore[attr-defined]
    (bucket / "sets").mkdir(parents=True, exist_ok=True)
    (bucket / "sets" / "train.jsonl").write_bytes(nova_jsonl(120))
    (bucket / "sets" / "check.jsonl").write_bytes(nova_jsonl(30))
    for folder, skip in (("good", None), ("half", "tokenizer.json")):
        (bucket / "weights" / folder).mkdir(parents=True, exist_ok=True)
        for name, body in WEIGHTS.items():
            if name != skip:
                (bucket / "weights" / folder / name).write_bytes(body)
    (bucket / "sets" / "titan.jsonl").write_bytes(jsonl(120))
    made = {}
    for name, base, data, check in (("nova-support", NOVA, "train", "check"), ("titan-support", TITAN, "titan", None)):
        assert httpx.post(f"{server}/api/models/{base}/enable", timeout=10).status_code == 200
        request = {
            "ModelName": name,
            "BaseModelId": base,
            "TrainingDataLocation": f"s3://model-studio/sets/{data}.jsonl",
        }
        if check:
            request["ValidationDataLocation"] = f"s3://model-studio/sets/{check}.jsonl"
        created = httpx.post(f"{server}/api/custom-models", json=request, timeout=60)
        assert created.status_code == 201, created.text
        made[name] = created.json()["Id"]
    model_id, titan_id = made["nova-support"], made["titan-support"]
    for made_id in made.values():
        wait_for(
            lambda m=made_id: httpx.get(f"{server}/api/custom-models/{m}", timeout=10).json()["Status"] == "Complete"
        )
    assert httpx.put(f"{server}/api/custom-models/{model_id}/deployment", timeout=60).status_code == 202
    page.set_viewport_size({"width": 1280, "height": 720})
    try:
        # a one-month term: priced beside no commitment (AWS publishes Titan Text Lite's), warned, confirmed in a
        # dialog with its end date
        page.goto(f"{server}/custom-models?model={titan_id}")
        page.get_by_role("tab", name="Provision Throughput").click()
        page.get_by_text("1-month term", exact=True).click()
        expect(page.get_by_text(re.compile(r"^1-month term: \$[0-9.,]+ per hour"))).to_be_visible()
        expect(page.get_by_text("cannot be ended early", exact=False).first).to_be_visible()
        idle(page)
        shot(page, "20-term-priced-1280")
        page.get_by_role("button", name="Provision throughput").click()
        dialog = page.get_by_role("dialog")
        expect(dialog.get_by_text("It cannot be removed before", exact=False)).to_be_visible()
        dialog.get_by_role("button", name="Commit to the 1-month term").click()
        expect(page.get_by_role("dialog")).to_have_count(0)
        model = wait_for(
            lambda: (
                (m := httpx.get(f"{server}/api/custom-models/{titan_id}", timeout=10).json())["ThroughputStatus"]
                == "InService"
                and m
            )
        )
        assert model["ThroughputCommitment"] == "OneMonth"

        # a copy to the second configured region, from the Configuration tab
        page.goto(f"{server}/custom-models?model={model_id}")
        page.get_by_role("tab", name="Configuration").click()
        page.get_by_role("button", name="Copy", exact=True).click()
        expect(page.get_by_text("Copy nova-support to us-west-2: done.")).to_be_visible(timeout=60_000)
        copies = [m for m in httpx.get(f"{server}/api/custom-models", timeout=10).json()["CustomModels"]
                  if m["CopiedFrom"] == model_id]  # fmt: skip
        assert [c["Region"] for c in copies] == ["us-west-2"]
        idle(page)
        shot(page, "21-copy-1280")

        # an import: a folder Bedrock would refuse says which file is missing; a good one is imported
        page.goto(f"{server}/import-model")
        expect(page.get_by_role("heading", name="Import Model")).to_be_visible(timeout=60_000)
        page.get_by_role("textbox", name="Model name").fill("support-mistral")
        page.get_by_role("textbox", name="Model folder (s3:// URI)").fill("s3://model-studio/weights/half/")
        page.get_by_role("button", name="Import").click()
        expect(page.get_by_text(re.compile("tokenizer.json: missing from the folder"))).to_be_visible(timeout=60_000)
        idle(page)
        shot(page, "22-import-refused-1280")
        page.get_by_role("textbox", name="Model folder (s3:// URI)").fill("s3://model-studio/weights/good/")
        page.get_by_role("button", name="Check folder").click()
        expect(page.get_by_text("Ready to import: a Mistral model, called by Converse")).to_be_visible()
        page.get_by_role("button", name="Import").click()
        expect(page.get_by_text(re.compile("Importing support-mistral"))).to_be_visible(timeout=60_000)
        imported = wait_for(
            lambda: next(
                (m for m in httpx.get(f"{server}/api/custom-models", timeout=10).json()["CustomModels"]
                 if m["ModelName"] == "support-mistral" and m["StatusLight"] == "YELLOW"
                 and m["Imported"]["CustomModelUnits"]), None,  # one read of the list may see the light first
            )
        )  # fmt: skip
        assert imported["ModelType"] == "IMPORTED" and imported["Imported"]["CustomModelUnits"] == 1, imported
        page.goto(f"{server}/custom-models?model={imported['Id']}")
        page.get_by_role("tab", name="Call it").click()
        expect(page.get_by_text(re.compile(r"for each 5-minute window a copy runs"))).to_be_visible(timeout=60_000)
        expect(page.get_by_text("aws bedrock-runtime converse", exact=False).first).to_be_visible()
        idle(page)
        shot(page, "23-imported-model-1280")
        page.get_by_role("tab", name="Configuration").click()
        expect(page.get_by_text(re.compile("Bedrock copies custom models it made, not imported ones"))).to_be_visible()
        idle(page)
        shot(page, "23b-imported-configuration-1280")

        # an evaluation on Bedrock's batch engine: the base in a batch job, the custom model (deployed) online
        assert httpx.post(f"{server}/api/models/{model_id}/enable", timeout=10).status_code == 200
        page.goto(f"{server}/evaluations?model={model_id}")
        expect(page.get_by_role("heading", name="Evaluations")).to_be_visible(timeout=60_000)
        page.get_by_text("Bedrock batch (half price, within 24 hours)").click()
        idle(page)
        page.get_by_role("button", name="Estimate cost and time").click()
        expect(page.get_by_text(re.compile(r"Engine batch: \$[0-9.,]+ (instead of|less than online)"))).to_be_visible()
        idle(page)
        shot(page, "24-batch-estimate-1280")
        page.get_by_role("button", name="Start evaluation").click()
        expect(page.get_by_text(re.compile("Evaluation started"))).to_be_visible()
        expect(page.get_by_text(re.compile(r"· Completed$")).first).to_be_visible(timeout=120_000)
        expect(page.get_by_text(re.compile("Engine: Bedrock batch")).first).to_be_visible()
        [run] = httpx.get(f"{server}/api/custom-models/{model_id}/evaluations", timeout=10).json()["Evaluations"]
        assert run["Engine"] == "batch" and list(run["BatchJobs"]) == ["base"] and run["Status"] == "Completed"
        results = httpx.get(f"{server}/api/evaluations/{run['Id']}/results", timeout=10).json()["Results"]
        assert len(results) == 30 and all(r["Error"] is None for r in results)
        idle(page)
        shot(page, "25-batch-evaluation-1280")
    except Exception:
        shot(page, "failure-serving")
        raise
    finally:
        page.set_viewport_size({"width": 1440, "height": 1000})
