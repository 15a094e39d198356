"""Imports and batch evaluations attacked over real HTTP by several users: the folder and the SageMaker sources go
through the bucket rule and botocore's patterns before anything is listed or asked of Bedrock; a traversal or an
oversized field is a 422, never a 500; another member can neither delete someone's import nor run a batch evaluation
of someone's model not yet enabled; a batch job's input lands under the run's own prefix, never where the caller
points."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.security.conftest import create_token, put_object, serving
from tests.support.factories import LLAMA, jsonl
from tests.support.servers import wait_for

WEIGHTS = {"config.json": b'{"model_type": "llama"}', "tokenizer.json": b"{}", "tokenizer_config.json": b"{}",
           "model.safetensors": b"w" * 64}  # fmt: skip


@pytest.fixture(scope="module")
def users(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    with serving(tmp_path_factory.mktemp("imports"), STUDIO_SIM_JOB_SECONDS="2", STUDIO_SIM_THROUGHPUT_SECONDS="1",
                 STUDIO_EVAL_BATCH_MIN_RECORDS="20", STUDIO_ADMINS="admin@example.com") as target:  # fmt: skip
        clients = {
            who: httpx.Client(
                base_url=f"{target.url}/api",
                timeout=60,
                headers={"Authorization": f"Bearer {create_token(target, f'{who}@example.com', role)}"},
            )
            for who, role in (("mia", "member"), ("otto", "member"), ("admin", "admin"))
        }
        for name, body in WEIGHTS.items():
            put_object(target, f"weights/mia/{name}", body)
        put_object(target, "../secret-bucket/weights/config.json", WEIGHTS["config.json"])
        yield {"target": target, **clients}


def test_import_sources_are_refused_before_anything_is_read(users: dict[str, Any]) -> None:
    mia = users["mia"]
    before = mia.get("/custom-models").json()["CustomModels"]
    for body, said in (
        ({"ModelName": "x", "ModelDataLocation": "s3://secret-bucket/weights/"}, "is not one Model Studio may read"),
        ({"ModelName": "x", "ModelDataLocation": "s3://model-studio/../secret-bucket/weights/"}, ""),
        ({"ModelName": "x", "ModelDataLocation": "file:///etc/"}, ""),
        ({"ModelName": "x" * 64, "ModelDataLocation": "s3://model-studio/weights/mia/"}, ""),
        ({"ModelName": "x", "ModelDataLocation": "s3://model-studio/" + "a/" * 600}, ""),
        ({"ModelName": "x", "BaseModelId": "bedrock:amazon.nova-micro-v1:0:128k",
          "ModelPackageArn": "arn:aws:sagemaker:us-east-1:123456789012:model-package/x y"}, "model package ARN"),
        ({"ModelName": "x", "BaseModelId": LLAMA, "ModelPackageArn": "arn:aws:sagemaker:us-east-1:1:model-package/x"},
         "Nova models only"),
        ({"ModelName": "x", "ModelDataLocation": "s3://model-studio/weights/mia/", "Region": "eu-west-9"}, "Region"),
    ):  # fmt: skip
        refused = mia.post("/imported-models", json=body)
        assert refused.status_code == 422, (body, refused.text)
        assert said in refused.text, refused.text
    assert mia.get("/custom-models").json()["CustomModels"] == before


def test_another_member_cannot_delete_an_import_and_a_batch_run_stays_under_its_own_prefix(
    users: dict[str, Any],
) -> None:
    mia, otto, admin = users["mia"], users["otto"], users["admin"]
    made = mia.post(
        "/imported-models", json={"ModelName": "mia-llama", "ModelDataLocation": "s3://model-studio/weights/mia/"}
    )
    assert made.status_code == 202, made.text
    model_id = made.json()["Id"]
    wait_for(lambda: mia.get(f"/custom-models/{model_id}").json()["StatusLight"] == "YELLOW")
    assert otto.delete(f"/custom-models/{model_id}").status_code == 403
    assert otto.put(f"/custom-models/{model_id}/deployment").status_code == 403  # not his
    assert mia.put(f"/custom-models/{model_id}/deployment").status_code == 409  # hers, but an import serves itself
    assert mia.put(f"/custom-models/{model_id}/throughput", json={"ModelUnits": 1}).status_code in (409, 422)
    # a batch evaluation of a model not yet enabled: for its owner, not for another member
    assert admin.post(f"/models/{LLAMA}/enable").status_code == 200
    target = users["target"]
    train = put_object(target, "sets/mia-train.jsonl", jsonl(150))
    valid = put_object(target, "sets/mia-valid.jsonl", jsonl(30, 200))
    tuned = mia.post("/custom-models", json={"ModelName": "mia-tuned", "BaseModelId": LLAMA,
                                             "TrainingDataLocation": train, "ValidationDataLocation": valid})  # fmt: skip
    assert tuned.status_code == 201, tuned.text
    tuned_id = tuned.json()["Id"]
    wait_for(lambda: mia.get(f"/custom-models/{tuned_id}").json()["Status"] == "Complete")
    assert mia.put(f"/custom-models/{tuned_id}/throughput", json={"ModelUnits": 1}).status_code == 202
    wait_for(lambda: mia.get(f"/custom-models/{tuned_id}").json()["ThroughputStatus"] == "InService")
    assert otto.post(f"/custom-models/{tuned_id}/evaluations", json={"Engine": "batch"}).status_code == 403
    started = mia.post(f"/custom-models/{tuned_id}/evaluations", json={"Engine": "batch", "Engine2": 1})
    assert started.status_code == 422  # an unknown field is refused, not ignored
    started = mia.post(f"/custom-models/{tuned_id}/evaluations", json={"Engine": "batch"})
    assert started.status_code == 202, started.text
    run = wait_for(
        lambda: (e := mia.get(f"/evaluations/{started.json()['Id']}").json())["Status"] == "Completed" and e, 90
    )
    [job] = run["BatchJobs"].values()
    assert job["Output"].startswith(f"s3://model-studio/model-studio/evaluations/{run['Id']}/"), job
    assert mia.delete(f"/custom-models/{tuned_id}/throughput").status_code == 202
