"""Jobs and custom models made outside Model Studio (the console, the CLI) appear after a sync, under
the same rules; ones deleted here are not brought back."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from api.app import create_api
from services.adapters.local_bedrock import LocalBedrock
from services.adapters.object_store import LocalObjectStore
from services.bootstrap import build_services
from services.customization import NewCustomModel
from services.domain.custom import JobRequest, JobStatus
from services.domain.errors import Forbidden
from services.domain.identity import LOCAL_ADMIN, Actor, Role
from services.domain.models import ModelType
from services.settings import load_settings
from tests.support.factories import LLAMA, LLAMA_MODEL_ID, jsonl, upload
from tests.support.fakes import FakeClock


def console_job(data_dir: Path, clock: FakeClock, name: str, **request: object) -> str:
    """A job made with the AWS console: straight at the (local) control plane, not through Model Studio."""
    objects = LocalObjectStore(data_dir)
    objects.put_bytes(f"s3://console-bucket/{name}/train.jsonl", jsonl())
    bedrock = LocalBedrock(data_dir / "local-bedrock", objects, region="us-west-2", clock=lambda: clock().timestamp())
    return bedrock.create_job(
        JobRequest(
            job_name=f"{name}-job",
            custom_model_name=name,
            base_model_identifier=LLAMA_MODEL_ID,
            role_arn="arn:aws:iam::000000000000:role/Console",
            training_uri=f"s3://console-bucket/{name}/train.jsonl",
            validation_uri=None,
            output_uri=f"s3://console-bucket/{name}/out/",
            hyperparameters={"epochCount": "1"},
            client_token="c" * 32,
            **request,  # type: ignore[arg-type]
        )
    )


def test_a_job_made_in_the_console_appears_after_a_sync(tmp_path: Path) -> None:
    clock = FakeClock()
    services = build_services(load_settings(data_dir=tmp_path), clock=clock)
    services.start(background=False)  # the catalog filled, as the server starts it
    arn = console_job(tmp_path, clock, "console-bot")
    report = services.catalog.sync(actor=LOCAL_ADMIN)
    assert any("console-bot (us-west-2, running): made outside Model Studio" in n for n in report.notes)
    [model] = services.customization.list()
    assert model.job_arn == arn and model.region == "us-west-2" and model.created_by is None
    view = services.catalog.get_model(model.id)
    assert view.record.model_type is ModelType.CUSTOM
    clock.advance(seconds=61)
    assert services.customization.refresh(model.id).job_status is JobStatus.COMPLETED  # followed like any other
    member = Actor(id="mia@example.com", name="Mia", role=Role.MEMBER, via="test")
    try:
        services.customization.provision_throughput(model.id, actor=member)
    except Forbidden as exc:
        assert "only its owner (unknown) or an admin" in str(exc)
    else:
        raise AssertionError("a member acted on a model nobody here owns")
    again = services.catalog.sync(actor=LOCAL_ADMIN)
    assert again.notes == () and len(services.customization.list()) == 1  # listed once


def test_the_rest_api_sync_says_what_it_found(tmp_path: Path) -> None:
    clock = FakeClock()
    services = build_services(load_settings(data_dir=tmp_path), clock=clock)
    services.start(background=False)  # the catalog filled, as the server starts it
    console_job(tmp_path, clock, "api-found")
    client = TestClient(create_api(lambda: services), client=("127.0.0.1", 50000))
    body = client.post("/models/sync").json()
    assert any("api-found" in note for note in body["Notes"])
    assert [m["ModelName"] for m in client.get("/custom-models").json()["CustomModels"]] == ["api-found"]


def test_a_model_deleted_here_is_not_brought_back_by_a_sync(tmp_path: Path) -> None:
    clock = FakeClock()
    services = build_services(load_settings(data_dir=tmp_path), clock=clock)
    services.start(background=False)  # the catalog filled, as the server starts it
    services.catalog.enable(LLAMA, actor=LOCAL_ADMIN)
    model = services.customization.create(
        NewCustomModel(name="gone-bot", base_model_id=LLAMA), upload(jsonl()), actor=LOCAL_ADMIN
    )
    clock.advance(seconds=61)
    services.customization.refresh(model.id)
    services.customization.delete(model.id, actor=LOCAL_ADMIN)  # the job stays at Bedrock; its model does not
    assert services.catalog.sync(actor=LOCAL_ADMIN).notes == ()
    assert services.customization.list() == []


def test_a_job_made_elsewhere_keeps_its_method_and_its_config(tmp_path: Path) -> None:
    clock = FakeClock()
    services = build_services(load_settings(data_dir=tmp_path), clock=clock)
    services.start(background=False)
    teacher = {"teacherModelConfig": {"teacherModelIdentifier": "meta.llama3-1-70b-instruct-v1:0"}}
    console_job(
        tmp_path, clock, "distilled-bot", customization_type="DISTILLATION",
        customization_config={"distillationConfig": teacher},
    )  # fmt: skip
    services.catalog.sync(actor=LOCAL_ADMIN)
    [model] = services.customization.list()
    assert model.customization_type == "DISTILLATION"
    assert model.customization_config == {"distillationConfig": teacher}
    shown = (
        TestClient(create_api(lambda: services), client=("127.0.0.1", 50000)).get(f"/custom-models/{model.id}").json()
    )
    assert shown["ModelType"] == "DISTILLATION"
    assert shown["CustomizationConfig"] == {"TeacherModelId": "meta.llama3-1-70b-instruct-v1:0"}  # the method's words
    assert shown["BedrockCustomizationConfig"] == {"distillationConfig": teacher}  # and Bedrock's, as it was made
