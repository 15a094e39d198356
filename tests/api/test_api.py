"""Every endpoint of the REST contract, on the local control plane, and every refused transition."""

from __future__ import annotations

import io
import zipfile

import pytest
from fastapi.testclient import TestClient

from tests.support.factories import LLAMA_MODEL_ID, jsonl
from tests.support.fakes import World

TRAIN = "s3://my-data/sets/train.jsonl"


@pytest.fixture
def data(w: World) -> World:
    w.objects.put_bytes(TRAIN, jsonl())
    w.objects.put_bytes("s3://my-data/sets/val.jsonl", jsonl(20, 500))
    return w


def create(client: TestClient, **kw: object):
    body = {
        "ModelName": "support-bot",
        "ModelType": "FINE_TUNING",
        "BaseModelId": LLAMA_MODEL_ID,
        "Description": "first",
        "TrainingDataLocation": TRAIN,
        "ValidationDataLocation": "s3://my-data/sets/val.jsonl",
        "HyperParameters": {"epochCount": "2"},
    } | kw
    return client.post("/custom-models", json=body)


def test_create_list_get(client: TestClient, data: World) -> None:
    response = create(client)
    assert response.status_code == 201, response.text
    model = response.json()
    assert model["Status"] == "Pending" and model["JobStatus"] == "InProgress" and model["StatusLight"] == "RED"
    assert model["HyperParameters"] == {"epochCount": "2", "batchSize": "1", "learningRate": "0.0001"}
    assert model["TrainingRecords"] == 120 and model["ValidationDataLocation"] == "s3://my-data/sets/val.jsonl"
    assert create(client).json()["Id"] == model["Id"]  # a retry: the same model, one job
    assert data.backend.calls.count("create_job") == 1
    listed = client.get("/custom-models").json()["CustomModels"]
    assert [m["Id"] for m in listed] == [model["Id"]]
    data.clock.advance(seconds=61)
    got = client.get(f"/custom-models/{model['Id']}").json()  # refreshed on view
    assert got["Status"] == "Complete" and got["NextAction"] == "Provision throughput to use this model."
    catalog = client.get("/models", params={"type": "Custom"}).json()["Models"]
    assert [m["Id"] for m in catalog] == [model["Id"]]


def test_bad_data_is_422_with_line_numbers(client: TestClient, data: World) -> None:
    data.objects.put_bytes("s3://my-data/sets/bad.jsonl", jsonl(110) + b"{oops\n")
    response = create(client, TrainingDataLocation="s3://my-data/sets/bad.jsonl")
    assert response.status_code == 422
    body = response.json()
    assert body["Code"] == "InvalidData" and any("line 111: not valid JSON" in p for p in body["Problems"])
    assert "Traceback" not in response.text
    assert client.get("/custom-models").json()["CustomModels"] == []


@pytest.mark.parametrize(
    ("body", "status", "says"),
    [
        ({"ModelName": "bad name!"}, 422, "is not a Bedrock model name"),
        ({"HyperParameters": {"epochCount": "99"}}, 422, "out of range"),
        ({"BaseModelId": "openai:gpt-4o"}, 422, "not an Amazon Bedrock base model"),
        ({"TrainingDataLocation": "https://x/y.jsonl"}, 422, "not an s3:// URI"),
        ({"ModelType": "IMPORTED"}, 422, "Model Studio runs FINE_TUNING"),
        ({"Unexpected": 1}, 422, "Extra inputs are not permitted"),
        ({"HyperParameters": {"epochCount": 2}}, 422, "Input should be a valid string"),
    ],
)
def test_bad_requests(client: TestClient, data: World, body: dict, status: int, says: str) -> None:
    response = create(client, **body)
    assert response.status_code == status
    assert says in response.text and set(response.json()) >= {"Message", "Code"}


def test_a_duplicate_name_is_409(client: TestClient, data: World) -> None:
    create(client)
    data.objects.put_bytes("s3://my-data/sets/other.jsonl", jsonl(130))
    response = create(client, TrainingDataLocation="s3://my-data/sets/other.jsonl")
    assert response.status_code == 409 and "already used" in response.text


def test_downloads(client: TestClient, data: World) -> None:
    model = create(client).json()
    assert client.get(f"/custom-models/{model['Id']}/download", params={"type": "metrics"}).status_code == 409
    training = client.get(f"/custom-models/{model['Id']}/download", params={"type": "training"})
    assert training.status_code == 200 and training.content == jsonl()
    assert client.get(f"/custom-models/{model['Id']}/download", params={"type": "weights"}).status_code == 422
    data.clock.advance(seconds=61)
    client.get(f"/custom-models/{model['Id']}")
    metrics = client.get(f"/custom-models/{model['Id']}/download", params={"type": "metrics"})
    assert metrics.status_code == 200 and metrics.headers["content-type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(metrics.content)).namelist()
    assert any(n.endswith("step_wise_training_metrics.csv") for n in names)
    assert any(n.endswith("validation_metrics.csv") for n in names)
    assert client.get("/custom-models/custom:nope/download", params={"type": "training"}).status_code == 404


def test_throughput_enable_and_refusals(client: TestClient, data: World) -> None:
    model_id = create(client).json()["Id"]
    early = client.put(f"/custom-models/{model_id}/throughput", json={"ModelUnits": 1})
    assert early.status_code == 409 and "completed model" in early.json()["Message"]
    assert client.delete(f"/custom-models/{model_id}").status_code == 409  # job in progress
    data.clock.advance(seconds=61)
    assert client.put(f"/custom-models/{model_id}/throughput", json={"ModelUnits": 2}).status_code == 422
    put = client.put(f"/custom-models/{model_id}/throughput", json={"ModelUnits": 1})
    assert put.status_code == 202 and put.json()["ThroughputStatus"] == "Creating"
    again = client.put(f"/custom-models/{model_id}/throughput", json={"ModelUnits": 1})
    assert again.status_code == 409 and "already has throughput" in again.json()["Message"]
    assert client.post(f"/models/{model_id}/enable").status_code == 409  # RED while Creating
    data.clock.advance(seconds=11)
    enabled = client.post(f"/models/{model_id}/enable")  # refreshes the throughput first
    assert enabled.status_code == 200 and enabled.json()["StatusLight"] == "GREEN"
    assert client.delete(f"/custom-models/{model_id}").status_code == 409  # throughput present
    removed = client.delete(f"/custom-models/{model_id}/throughput")
    assert removed.status_code == 202
    assert removed.json()["StatusLight"] == "RED" and removed.json()["Enabled"] is False
    assert client.delete(f"/custom-models/{model_id}/throughput").status_code == 409
    assert client.delete(f"/custom-models/{model_id}").status_code == 204
    assert client.get(f"/custom-models/{model_id}").status_code == 404


def test_models_endpoints(client: TestClient, w: World) -> None:
    everything = client.get("/models").json()["Models"]
    assert len(everything) == 6
    green = client.get("/models", params={"status": "GREEN"}).json()["Models"]
    assert [m["Id"] for m in green] == [f"bedrock:{LLAMA_MODEL_ID}"]
    assert (
        client.get("/models", params=[("trait", "Embedding")]).json()["Models"][0]["Id"]
        == "openai:text-embedding-3-small"
    )
    assert client.get("/models", params={"status": "PURPLE"}).status_code == 422
    refused = client.post("/models/openai:gpt-4o/disable")
    assert refused.status_code == 409 and "Only GREEN models can be disabled" in refused.json()["Message"]
    assert client.post("/models/openai:gpt-4o/enable").json()["StatusLight"] == "GREEN"
    assert client.post("/models/bedrock:nope/enable").status_code == 404
    sync = client.post("/models/sync").json()["Runs"]
    assert [r["Outcome"] for r in sync] == ["ok", "ok"]


def test_an_unexpected_failure_is_500_without_a_stack_trace(client: TestClient, w: World) -> None:
    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("secret internals")

    w.catalog.sync = boom  # type: ignore[method-assign]
    response = client.post("/models/sync")
    assert response.status_code == 500
    assert response.json() == {"Message": "Internal error (RuntimeError).", "Code": "InternalError"}


def test_a_lost_database_connection_is_503_try_again_not_500(client: TestClient, w: World) -> None:
    from sqlalchemy.exc import OperationalError

    def dropped(
        *args: object, **kwargs: object
    ) -> None:  # as SQLAlchemy raises it (tests/adapters/test_pg_connections.py)
        raise OperationalError("SELECT 1", {}, Exception("server closed the connection"), connection_invalidated=True)

    w.catalog.sync = dropped  # type: ignore[method-assign]
    response = client.post("/models/sync")
    assert response.status_code == 503 and response.headers["retry-after"] == "1"
    assert response.json()["Message"] == "The database connection was lost; it has been renewed. Try again."


def test_the_openapi_document_and_docs(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert {"/custom-models", "/custom-models/{model_id}/download", "/models/sync"} <= set(spec["paths"])
    assert client.get("/docs").status_code == 200


def test_the_data_summary_comes_with_a_422_and_with_the_model(client: TestClient, data: World) -> None:
    data.objects.put_bytes("s3://my-data/sets/bad.jsonl", jsonl(110) + b"{oops\n")
    body = create(client, TrainingDataLocation="s3://my-data/sets/bad.jsonl").json()
    summary = body["DataSummary"]["Training"]
    assert summary["Records"] == 111 and summary["IssueCounts"] == {"json": 1}
    assert summary["Stats"]["InputTokens"]["Bins"] and summary["Stats"]["TokenLimit"] == 16_000
    model = create(client).json()
    assert model["DataSummary"]["Training"]["Records"] == 120 and model["DataSummary"]["Epochs"] == 2
    assert model["DataSummary"]["BillableTokens"] == 2 * model["DataSummary"]["Training"]["Tokens"]
    got = client.get(f"/custom-models/{model['Id']}").json()
    assert got["DataSummary"] == model["DataSummary"]


def test_stop_a_running_job(client: TestClient, data: World) -> None:
    model = create(client).json()
    response = client.post(f"/custom-models/{model['Id']}/stop")
    assert response.status_code == 202, response.text
    assert response.json()["JobStatus"] == "Stopping"
    again = client.post(f"/custom-models/{model['Id']}/stop")
    assert again.status_code == 409 and "Stop" in again.json()["Message"]
    assert client.post("/custom-models/custom:nope/stop").status_code == 404


def test_check_data_says_problems_and_warnings_with_lines_and_creates_nothing(client: TestClient, data: World) -> None:
    """POST /api/data-checks: the whole request as Create checks it (name included, in Create's words),
    and the warnings Create lets through, each with its lines."""
    train = jsonl(110) + jsonl(2) + jsonl(1, prompt=" ", completion="A.")  # lines 111-112 repeat 1-2; 113 asks nothing
    data.objects.put_bytes("s3://my-data/sets/warn.jsonl", train)
    data.objects.put_bytes("s3://my-data/sets/copied.jsonl", jsonl(3, 500) + jsonl(2, 5))  # lines 4-5 = training 6-7
    body = {
        "ModelName": "support-bot",
        "BaseModelId": LLAMA_MODEL_ID,
        "TrainingDataLocation": "s3://my-data/sets/warn.jsonl",
        "ValidationDataLocation": "s3://my-data/sets/copied.jsonl",
        "HyperParameters": {"epochCount": "2"},
    }
    response = client.post("/data-checks", json=body)
    assert response.status_code == 200, response.text
    check = response.json()
    assert check["Ok"] is True and check["Problems"] == []
    warnings = "\n".join(check["Warnings"])
    assert "Training Data: 2 record(s) repeat an earlier record of the file (lines 111–112)" in warnings
    assert "Training Data: 1 record(s) have an empty prompt or user turn (line 113)" in warnings
    assert "Validation Data: 2 record(s) are exact copies of training records (lines 4–5)" in warnings
    assert check["DataSummary"]["Training"]["Records"] == 113 and check["DataSummary"]["Epochs"] == 2
    # Create lets the same request through, and keeps the warnings with the model
    created = create(client, TrainingDataLocation="s3://my-data/sets/warn.jsonl", ValidationDataLocation=None)
    assert created.status_code == 201 and "Warnings" in created.json()["DataSummary"]

    # a bad name and bad data: the same problems, in the same words, as Create's 422
    bad = body | {"ModelName": "bad name!", "TrainingDataLocation": "s3://my-data/sets/bad.jsonl"}
    data.objects.put_bytes("s3://my-data/sets/bad.jsonl", jsonl(110) + b"{oops\n")
    checked = client.post("/data-checks", json=bad).json()
    refused = client.post("/custom-models", json=bad).json()
    assert checked["Ok"] is False and checked["Problems"] == refused["Problems"]
    assert any(p.startswith("Model Name") for p in checked["Problems"])
    assert any("line 111: not valid JSON" in p for p in checked["Problems"])
    assert [m["ModelName"] for m in client.get("/custom-models").json()["CustomModels"]] == ["support-bot"]


def test_continued_pre_training_over_rest(client: TestClient, data: World) -> None:
    """ModelType CONTINUED_PRE_TRAINING on Titan Text: Check data in its own words, created, echoed, trained."""
    from tests.support.fakes import ADMIN

    data.catalog.enable("bedrock:amazon.titan-text-lite-v1:0:4k", actor=ADMIN)
    passages = b"".join(b'{"input": "Passage %d of our own domain."}\n' % i for i in range(40))
    data.objects.put_bytes("s3://my-data/sets/passages.jsonl", passages)
    body = {
        "ModelType": "CONTINUED_PRE_TRAINING",
        "BaseModelId": "amazon.titan-text-lite-v1:0:4k",
        "HyperParameters": {},
    }
    checked = client.post("/data-checks", json={"ModelName": "domain-words", "TrainingDataLocation": TRAIN} | body)
    assert checked.status_code == 200 and not checked.json()["Ok"]
    assert "continued pre-training takes unlabeled" in checked.json()["Problems"][0]
    made = create(
        client, ModelName="domain-words", TrainingDataLocation="s3://my-data/sets/passages.jsonl",
        ValidationDataLocation=None, **body,
    )  # fmt: skip
    assert made.status_code == 201, made.text
    assert made.json()["ModelType"] == "CONTINUED_PRE_TRAINING" and made.json()["TrainingRecords"] == 40
    data.clock.advance(seconds=data.job_seconds + 1)  # the job's time passes: that is what is tested
    got = client.get(f"/custom-models/{made.json()['Id']}").json()
    assert got["JobStatus"] == "Completed" and got["ModelType"] == "CONTINUED_PRE_TRAINING"
    refused = create(client, ModelName="distilled", ModelType="DISTILLATION")  # no teacher named
    assert refused.status_code == 422 and "TeacherModelId: required" in refused.text


def test_no_two_routers_paths_overlap_so_the_order_they_are_tried_in_changes_nothing() -> None:
    """api/app.py tries the gateway's and the busiest reads' routers first, for speed: that is only safe while
    no path of one router is also a path of another, for the same method."""
    import importlib
    import pkgutil
    import re

    from fastapi.routing import APIRoute

    from api import routers

    modules = [importlib.import_module(f"api.routers.{m.name}") for m in pkgutil.iter_modules(routers.__path__)]
    routes = [(m.__name__, route) for m in modules for route in m.router.routes if isinstance(route, APIRoute)]
    assert len({name for name, _ in routes}) >= 9
    for name, route in routes:
        sample = re.sub(r"{[^}]+}", "x", route.path)
        assert route.path_regex.match(sample)
        for other_name, other in routes:
            if other_name != name and route.methods & other.methods:
                assert not other.path_regex.match(sample), (route.path, other.path)


def test_every_route_asks_who_is_calling_and_checks_their_scopes() -> None:
    """Each route depends on api/deps.py's one check of the caller (directly as Call, or through Who)."""
    import importlib
    import pkgutil

    from fastapi.dependencies.models import Dependant
    from fastapi.routing import APIRoute

    from api import deps, routers

    def calls(dependant: Dependant) -> set[object]:
        return {dependant.call} | {c for sub in dependant.dependencies for c in calls(sub)}

    modules = [importlib.import_module(f"api.routers.{m.name}") for m in pkgutil.iter_modules(routers.__path__)]
    routes = [route for m in modules for route in m.router.routes if isinstance(route, APIRoute)]
    assert len(routes) >= 50
    unchecked = [f"{sorted(r.methods)} {r.path}" for r in routes if deps._call not in calls(r.dependant)]
    assert unchecked == []
