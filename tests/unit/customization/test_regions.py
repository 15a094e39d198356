"""Region-aware customization: each job runs in a configured region where its base model can be
customized, and the job, its custom model, its throughput and its prices live there."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_api
from services.bootstrap import build_services
from services.customization import NewCustomModel
from services.domain.errors import InvalidData
from services.domain.identity import LOCAL_ADMIN
from services.settings import load_settings
from tests.support.factories import LLAMA, NOVA_MICRO, jsonl, nova_jsonl, upload


def local(tmp_path: Path, **settings: object):  # type: ignore[no-untyped-def]
    """The embedded backend as `make run` builds it (the bundled snapshot's regions per model)."""
    services = build_services(load_settings(data_dir=tmp_path, **settings))
    services.start(background=False)  # the catalog filled, as the server starts it
    for model_id in (LLAMA, NOVA_MICRO):
        services.catalog.enable(model_id, actor=LOCAL_ADMIN)
    return services


def test_a_llama_job_runs_in_us_west_2_where_llama_can_be_customized(tmp_path: Path) -> None:
    services = local(tmp_path, aws_regions=["us-east-1", "us-west-2"])
    model = services.customization.create(
        NewCustomModel(name="llama-bot", base_model_id=LLAMA), upload(jsonl()), actor=LOCAL_ADMIN
    )
    assert model.region == "us-west-2" and ":us-west-2:" in (model.job_arn or "")
    nova = services.customization.create(
        NewCustomModel(name="nova-bot", base_model_id=NOVA_MICRO), upload(nova_jsonl()), actor=LOCAL_ADMIN
    )
    assert nova.region == "us-east-1" and ":us-east-1:" in (nova.job_arn or "")


def test_a_region_where_the_base_cannot_be_customized_is_refused_with_the_list(tmp_path: Path) -> None:
    services = local(tmp_path, aws_regions=["us-east-1", "us-west-2"])
    with pytest.raises(InvalidData, match=r"can be customized in us-west-2 .*not in us-east-1"):
        services.customization.create(
            NewCustomModel(name="wrong-region", base_model_id=LLAMA, region="us-east-1"),
            upload(jsonl()),
            actor=LOCAL_ADMIN,
        )
    assert services.customization.list() == []


def test_a_base_with_no_configured_region_says_so_before_anything_is_uploaded(tmp_path: Path) -> None:
    from tests.support.fakes import ADMIN, World

    w = World(tmp_path, aws_regions=["us-east-1"])
    w.bedrock.models = [
        m.model_copy(update={"regions": ("us-west-2",)}) if m.key == LLAMA else m for m in w.bedrock.models
    ]
    w.catalog.sync(actor=ADMIN)
    w.catalog.enable(LLAMA, actor=ADMIN)
    with pytest.raises(InvalidData, match="can be customized only in us-west-2, and none of them is configured"):
        w.customization.create(NewCustomModel(name="nowhere", base_model_id=LLAMA), upload(jsonl()), actor=ADMIN)
    assert w.customization.list() == [] and not list((tmp_path / "s3").rglob("*.jsonl"))


def test_the_api_takes_a_region_and_refuses_one_that_cannot_run(tmp_path: Path) -> None:
    services = local(tmp_path, aws_regions=["us-east-1", "us-west-2"])
    services.objects.put_bytes("s3://model-studio/sets/t.jsonl", jsonl())
    client = TestClient(create_api(lambda: services), client=("127.0.0.1", 50000))
    body = {"ModelName": "api-bot", "BaseModelId": LLAMA, "TrainingDataLocation": "s3://model-studio/sets/t.jsonl"}
    refused = client.post("/custom-models", json=body | {"Region": "us-east-1"})
    assert refused.status_code == 422 and "us-west-2" in refused.json()["Message"]
    made = client.post("/custom-models", json=body | {"Region": "us-west-2"})
    assert made.status_code == 201 and made.json()["Region"] == "us-west-2" and ":us-west-2:" in made.json()["JobArn"]


def test_each_region_has_its_own_bucket_when_configured(tmp_path: Path) -> None:
    services = local(
        tmp_path, aws_regions=["us-east-1", "us-west-2"], s3_buckets="us-west-2=studio-west,us-east-1=studio-east"
    )
    model = services.customization.create(
        NewCustomModel(name="west-bot", base_model_id=LLAMA), upload(jsonl()), actor=LOCAL_ADMIN
    )
    assert model.training_uri.startswith("s3://studio-west/") and model.output_uri.startswith("s3://studio-west/")
