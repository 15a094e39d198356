"""The evaluation routes: in process on the World, then over real HTTP, a server SIGKILLed in the
middle of a run and restarted: the run resumes and its records match what the simulated models say."""

from __future__ import annotations

import csv
import io
import os
import signal
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from api.app import create_api
from tests.support.factories import jsonl, trained_and_served
from tests.support.fakes import ADMIN, World
from tests.support.servers import running_server, wait_for

LITE = "bedrock:amazon.titan-text-lite-v1:0:4k"
LLAMA = "bedrock:meta.llama3-1-8b-instruct-v1:0:128k"
VALIDATION = jsonl(6, prompt="What is the code for item {i}?", completion="Item {i} has code C{i}.")


@pytest.fixture
def setup(tmp_path: Path) -> tuple[World, TestClient, str]:
    world = World(tmp_path, on_demand=True)
    world.catalog.sync(actor=ADMIN)
    world.catalog.enable(LITE, actor=ADMIN)
    model = trained_and_served(world, validation=VALIDATION)
    client = TestClient(create_api(lambda: world.services), raise_server_exceptions=False, client=("127.0.0.1", 5000))
    return world, client, model.id


def test_start_follow_and_read_an_evaluation(setup) -> None:
    world, client, model_id = setup
    estimate = client.post(f"/custom-models/{model_id}/evaluations/estimate", json={"JudgeModelId": LITE})
    assert estimate.status_code == 200 and estimate.json()["Calls"] == 24 and estimate.json()["Records"] == 6
    started = client.post(f"/custom-models/{model_id}/evaluations", json={"JudgeModelId": LITE, "Concurrency": 2})
    assert started.status_code == 202, started.text
    evaluation_id = started.json()["Id"]
    queued = client.get(f"/evaluations/{evaluation_id}").json()
    assert queued["Status"] == "Queued" and queued["Progress"] == {"Done": 0, "Total": 6}
    assert queued["Estimate"]["Records"] == 6 and queued["DatasetLocation"].endswith("validation.jsonl")

    world.services.evaluation_runner.run_once()
    done = client.get(f"/evaluations/{evaluation_id}").json()
    assert done["Status"] == "Completed" and done["Progress"] == {"Done": 6, "Total": 6}
    metrics = done["Summary"]["Metrics"]
    assert metrics["exact_match"]["Custom"] == 1.0 and metrics["exact_match"]["Base"] == 0.0
    assert set(metrics) == {"exact_match", "token_f1", "rouge_l"} and done["Summary"]["Judge"]["Wins"] == 6

    results = client.get(f"/evaluations/{evaluation_id}/results").json()["Results"]
    assert [r["Record"] for r in results] == [1, 2, 3, 4, 5, 6]
    assert results[0]["CustomOutput"] == results[0]["Reference"] == "Item 0 has code C0."
    assert results[0]["Scores"]["exact_match"] == {"Custom": 1.0, "Base": 0.0} and results[0]["Verdict"] == "win"
    assert client.get(f"/evaluations/{evaluation_id}/results", params={"verdict": "loss"}).json()["Results"] == []
    exported = client.get(f"/evaluations/{evaluation_id}/results", params={"format": "csv"})
    assert exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert len(rows) == 6 and rows[2]["Reference"] == "Item 2 has code C2." and rows[2]["Verdict"] == "win"
    listed = client.get(f"/custom-models/{model_id}/evaluations").json()["Evaluations"]
    assert [e["Id"] for e in listed] == [evaluation_id]
    assert client.post(f"/evaluations/{evaluation_id}/cancel").status_code == 409  # finished


def test_what_the_routes_refuse(setup) -> None:
    world, client, model_id = setup
    assert client.get("/evaluations/ev-nope").status_code == 404
    assert client.get("/custom-models/custom:nope/evaluations").status_code == 404
    assert client.post(f"/custom-models/{model_id}/evaluations", json={"Metrics": ["bleu"]}).status_code == 422
    assert client.post(f"/custom-models/{model_id}/evaluations", json={"Concurrency": 0}).status_code == 422
    assert client.post(f"/custom-models/{model_id}/evaluations", json={"Extra": 1}).status_code == 422
    missing = client.post(
        f"/custom-models/{model_id}/evaluations", json={"DatasetLocation": "s3://studio-test/no.jsonl"}
    )
    assert missing.status_code == 422 and "does not exist" in missing.json()["Message"]
    judge = client.post(f"/custom-models/{model_id}/evaluations", json={"JudgeModelId": "openai:gpt-4o"})
    assert judge.status_code == 409 and judge.json()["Status"] == "YELLOW"  # a judge must be enabled
    world.objects.put_bytes("s3://studio-test/bad.jsonl", b'{"prompt": "x"}\n')
    bad = client.post(f"/custom-models/{model_id}/evaluations", json={"DatasetLocation": "s3://studio-test/bad.jsonl"})
    assert bad.status_code == 422 and any("line 1" in p for p in bad.json()["Problems"])
    started = client.post(f"/custom-models/{model_id}/evaluations", json={}).json()["Id"]
    cancelled = client.post(f"/evaluations/{started}/cancel")
    assert cancelled.status_code == 200 and cancelled.json()["Status"] == "Cancelled"


def test_a_run_resumes_after_the_server_is_killed_and_matches_what_the_models_answer(tmp_path: Path) -> None:
    data = tmp_path / "data"
    sets = data / "s3" / "model-studio" / "sets"
    sets.mkdir(parents=True)
    (sets / "train.jsonl").write_bytes(jsonl(150, prompt="Question {i}?", completion="Answer {i}."))
    (sets / "valid.jsonl").write_bytes(jsonl(30, 100, prompt="Question {i}?", completion="Answer {i}."))
    env = {
        "STUDIO_DATA_DIR": str(data), "STUDIO_SIM_JOB_SECONDS": "2", "STUDIO_SIM_THROUGHPUT_SECONDS": "1",
        "STUDIO_SIM_INFERENCE_SECONDS": "0.05", "STUDIO_EVAL_LEASE_SECONDS": "2",
    }  # fmt: skip
    with running_server(tmp_path / "first.log", env) as url:
        api = httpx.Client(base_url=f"{url}/api", timeout=30)
        assert api.post(f"/models/{LLAMA}/enable").status_code == 200
        created = api.post("/custom-models", json={
            "ModelName": "support-bot", "BaseModelId": LLAMA,
            "TrainingDataLocation": "s3://model-studio/sets/train.jsonl",
            "ValidationDataLocation": "s3://model-studio/sets/valid.jsonl",
        })  # fmt: skip
        assert created.status_code == 201, created.text
        model_id = created.json()["Id"]
        wait_for(lambda: api.get(f"/custom-models/{model_id}").json()["Status"] == "Complete")
        assert api.put(f"/custom-models/{model_id}/throughput", json={"ModelUnits": 1}).status_code == 202
        wait_for(lambda: api.get(f"/custom-models/{model_id}").json()["StatusLight"] == "YELLOW")
        started = api.post(
            f"/custom-models/{model_id}/evaluations", json={"JudgeModelId": LLAMA, "Concurrency": 2}
        )  # a YELLOW custom model may be evaluated before it is enabled
        assert started.status_code == 202, started.text
        evaluation_id = started.json()["Id"]
        wait_for(lambda: api.get(f"/evaluations/{evaluation_id}").json()["Progress"]["Done"] >= 5)
        os.killpg(url.pid, signal.SIGKILL)  # no shutdown: what is stored is all there is
    with running_server(tmp_path / "second.log", env) as url:
        api = httpx.Client(base_url=f"{url}/api", timeout=30)
        interrupted = api.get(f"/evaluations/{evaluation_id}").json()
        assert interrupted["Status"] in ("Running", "Completed")
        before = {r["Record"]: r for r in api.get(f"/evaluations/{evaluation_id}/results").json()["Results"]}
        assert 5 <= len(before) < 30  # stopped in the middle
        done = wait_for(
            lambda: (e := api.get(f"/evaluations/{evaluation_id}").json())["Status"] == "Completed" and e, 90
        )
        assert done["Progress"] == {"Done": 30, "Total": 30} and done["Summary"]["Failed"] == 0
        api_results = api.get(f"/evaluations/{evaluation_id}/results").json()["Results"]
        assert [r["Record"] for r in api_results] == list(range(1, 31))  # each record once
        assert all(api_results[i - 1] == r for i, r in before.items())  # kept as they were stored
        # what each model answers, asked directly now
        assert api.post(f"/models/{model_id}/enable").status_code == 200
        for result in api_results[::5]:
            ask = {"Messages": [{"Role": "user", "Content": result["Prompt"]}], "MaxTokens": 512, "Temperature": 0}
            mine = api.post(f"/models/{model_id}/invoke", json=ask).json()
            base = api.post(f"/models/{LLAMA}/invoke", json=ask).json()
            assert (mine["Output"], base["Output"]) == (result["CustomOutput"], result["BaseOutput"])
            assert mine["Simulated"] and result["Simulated"]
        assert done["Summary"]["Metrics"]["rouge_l"]["Custom"] > done["Summary"]["Metrics"]["rouge_l"]["Base"]
