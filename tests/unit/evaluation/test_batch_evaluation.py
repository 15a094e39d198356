"""An evaluation at Bedrock scale on the local backend as `make run` builds it: with Engine batch, the base model
(a foundation model Bedrock batches) answers the whole set in one simulated batch job (Submitted, InProgress,
Completed, JSONL output where Bedrock writes it) at half the on-demand price, while the custom model (deployed on
demand: AWS lists no batch for custom Nova models) answers online; the results land in the same tables. The
estimate compares online and batch before the run; a set under the minimum, or a run with nothing to batch, is
refused in words."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from fastapi.testclient import TestClient

from api.app import create_api
from services.domain.evaluations import EvaluationStatus
from services.domain.identity import LOCAL_ADMIN
from services.evaluation.records import NewEvaluation
from tests.support.factories import NOVA_MICRO, Served, State, custom_model, local_services, nova_jsonl


@pytest.fixture
def local(tmp_path: Path):  # type: ignore[no-untyped-def]
    return local_services(tmp_path, eval_batch_min_records=20)


def deployed_nova(services, clock):  # type: ignore[no-untyped-def]
    """A custom Nova Micro model deployed on demand (AWS lists no batch for it), with 30 validation records."""
    return custom_model(
        Served(services, clock), State.DEPLOYED, name="nova-bot", base=NOVA_MICRO, data=nova_jsonl(),
        validation=nova_jsonl(30), owner=LOCAL_ADMIN,
    )  # fmt: skip


def test_a_batch_evaluation_runs_the_base_in_a_batch_job_and_completes_with_results(local) -> None:
    services, clock = local
    model = deployed_nova(services, clock)
    api = TestClient(create_api(lambda: services), client=("127.0.0.1", 50000))
    estimate = api.post(f"/custom-models/{model.id}/evaluations/estimate", json={"MaxRecords": 30}).json()
    engines = estimate["Engines"]
    assert engines["base"] == "batch" and engines["custom"].startswith("online: nova-bot is a custom model AWS lists")
    assert estimate["Cost"] is not None and estimate["BatchCost"] < estimate["Cost"]  # the base at half its price
    assert estimate["BatchSaving"] > 0
    assert estimate["BatchSaving"] == pytest.approx(estimate["Cost"] - estimate["BatchCost"], abs=1e-6)
    assert "24-hour window" in estimate["BatchSecondsNote"]
    started = api.post(f"/custom-models/{model.id}/evaluations", json={"MaxRecords": 30, "Engine": "batch"})
    assert started.status_code in (200, 201, 202), started.text
    run_id = started.json()["Id"]
    services.evaluations.run(run_id)  # submits the batch job, which has not answered yet
    waiting = api.get(f"/evaluations/{run_id}").json()
    assert waiting["Status"] == "Running" and waiting["Engine"] == "batch", waiting
    [job] = waiting["BatchJobs"].values()
    assert ":model-invocation-job/" in job["Arn"] and list(waiting["BatchJobs"]) == ["base"]
    sent = services.objects.list(job["Output"].rsplit("/output/", 1)[0] + "/input.jsonl")
    assert sent, "the input is written where the job reads it"
    line = orjson.loads(services.objects.open(sent[0][0]).readline())
    assert line["recordId"] == "r1" and line["modelInput"]["messages"][0]["role"] == "user"
    clock.advance(seconds=services.settings.sim_throughput_seconds + 1)
    done = services.evaluations.run(run_id)
    assert done.status is EvaluationStatus.COMPLETED, done.error
    results = api.get(f"/evaluations/{run_id}/results").json()["Results"]
    assert len(results) == 30 and all(r["Error"] is None for r in results)
    assert all(r["BaseOutput"].startswith("[simulated") and r["CustomOutput"] for r in results)
    assert api.get(f"/evaluations/{run_id}").json()["Summary"]["Metrics"]


def test_batch_is_refused_in_words_for_a_small_set_and_nothing_is_started(local) -> None:
    services, clock = local
    model = deployed_nova(services, clock)
    api = TestClient(create_api(lambda: services), client=("127.0.0.1", 50000))
    small = api.post(f"/custom-models/{model.id}/evaluations", json={"MaxRecords": 10, "Engine": "batch"})
    assert small.status_code == 422 and "takes at least 20" in small.text, small.text
    wrong = api.post(f"/custom-models/{model.id}/evaluations", json={"MaxRecords": 30, "Engine": "fast"})
    assert wrong.status_code == 422
    assert services.evaluations.list_for(model.id) == []
    with pytest.raises(Exception, match="takes at least 20"):
        services.evaluations.start(
            NewEvaluation(custom_model_id=model.id, max_records=5, engine="batch"), actor=LOCAL_ADMIN
        )
