"""Imported models on the local backend as `make run` builds it: open weights in an S3 folder are checked as Bedrock
checks them (the missing file named, nothing made), imported (CreateModelImportJob, followed like a job), listed as
a custom model of type IMPORTED with its Custom Model Units and the price of a 5-minute window, served on demand by
their own ARN and enabled under the same rules; what an imported model cannot do is refused in words."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_api
from services.domain.actions import Action, decide
from services.domain.calls import ChatMessage, ChatRequest
from services.domain.custom import JobStatus
from services.domain.errors import BucketNotAllowed, InvalidRequest, TransitionNotAllowed
from services.domain.identity import LOCAL_ADMIN
from services.domain.imports import ImportDetails, folder_problems, price_said, window_price
from services.domain.models import Status
from tests.support.factories import local_services
from tests.support.fakes import MEMBER

FOLDER = "s3://model-studio/weights/llama-support/"
LLAMA_CONFIG = json.dumps({"model_type": "llama", "architectures": ["LlamaForCausalLM"]}).encode()


def put_folder(services, folder: str = FOLDER, *, skip: str | None = None, config: bytes = LLAMA_CONFIG) -> None:  # type: ignore[no-untyped-def]
    files = {
        "config.json": config,
        "tokenizer.json": b"{}",
        "tokenizer_config.json": b"{}",
        "model-00001-of-00001.safetensors": b"\0" * 4096,
    }
    for name, data in files.items():
        if name != skip:
            services.objects.put_bytes(folder + name, data)


@pytest.fixture
def local(tmp_path: Path):  # type: ignore[no-untyped-def]
    return local_services(tmp_path)


def test_open_weights_are_imported_listed_priced_served_and_enabled_under_the_same_rules(local) -> None:
    services, clock = local
    put_folder(services)
    api = TestClient(create_api(lambda: services), client=("127.0.0.1", 50000))
    made = api.post("/imported-models", json={"ModelName": "support-llama", "ModelDataLocation": FOLDER})
    assert made.status_code == 202, made.text
    body = made.json()
    assert body["ModelType"] == "IMPORTED" and body["JobStatus"] == "InProgress" and body["StatusLight"] == "RED"
    assert ":model-import-job/" in body["JobArn"] and body["Imported"]["Architecture"] == "llama"
    assert "importing" in body["NextAction"]
    clock.advance(seconds=services.settings.sim_throughput_seconds + 1)
    shown = api.get(f"/custom-models/{body['Id']}").json()
    assert shown["JobStatus"] == "Completed" and shown["StatusLight"] == "YELLOW", shown
    assert ":imported-model/" in shown["CustomModelArn"]
    imported = shown["Imported"]
    assert imported["CustomModelUnits"] == 1 and imported["CustomModelUnitsVersion"] == "v1.0"
    assert imported["InvokeApi"] == "Converse"
    assert imported["WindowPrice"] == pytest.approx(1 * 0.0785 * 5)  # CMUs x $/CMU-minute x 5 minutes
    assert "5-minute window" in imported["Cost"] and "first successful call" in imported["Cost"]
    model = services.customization.get(body["Id"])
    for action in (Action.PROVISION, Action.DEPLOY, Action.COPY, Action.TUNE_FURTHER):
        said = decide(action, services.customization.subject(model), LOCAL_ADMIN)
        assert not said and "imported model" in said.reason, action
    with pytest.raises(TransitionNotAllowed, match="by its own ARN"):
        services.customization.deploy(model.id, actor=LOCAL_ADMIN)
    listed = {m["Id"]: m for m in api.get("/models", params={"ModelType": "Custom"}).json()["Models"]}
    assert listed[model.id]["StatusLight"] == "YELLOW" and listed[model.id]["Vendor"] == "Meta"
    assert api.post(f"/models/{model.id}/enable").status_code == 200
    answer = services.inference.chat(
        model.id, ChatRequest(messages=(ChatMessage(role="user", content="hello?"),)), LOCAL_ADMIN
    )
    assert "imported llama model support-llama, called by Converse" in answer.output
    services.catalog.disable(model.id, actor=LOCAL_ADMIN)
    assert services.customization.view(model.id).row.status is Status.YELLOW


def test_a_folder_bedrock_would_refuse_is_refused_with_the_file_named_and_nothing_is_made(local) -> None:
    services, _ = local
    api = TestClient(create_api(lambda: services), client=("127.0.0.1", 50000))
    before = len(services.customization.list())
    put_folder(services, "s3://model-studio/weights/no-tokenizer/", skip="tokenizer.json")
    refused = api.post(
        "/imported-models",
        json={"ModelName": "broken", "ModelDataLocation": "s3://model-studio/weights/no-tokenizer/"},
    )
    assert refused.status_code == 422, refused.text
    assert "tokenizer.json: missing from the folder" in refused.text
    put_folder(services, "s3://model-studio/weights/pickled/", skip="model-00001-of-00001.safetensors")
    services.objects.put_bytes("s3://model-studio/weights/pickled/pytorch_model.bin", b"x")
    with pytest.raises(InvalidRequest, match=r"found pytorch_model.bin: convert them to safetensors"):
        services.customization.start_import("pickled", "s3://model-studio/weights/pickled", actor=MEMBER)
    put_folder(services, "s3://model-studio/weights/bert/", config=b'{"model_type": "bert"}')
    with pytest.raises(InvalidRequest, match='model_type "bert" is not an architecture Bedrock imports'):
        services.customization.start_import("bert", "s3://model-studio/weights/bert/", actor=MEMBER)
    with pytest.raises(InvalidRequest, match="no files there"):
        services.customization.start_import("empty", "s3://model-studio/weights/nothing/", actor=MEMBER)
    with pytest.raises(BucketNotAllowed):
        services.customization.start_import("other", "s3://someone-elses-bucket/weights/", actor=MEMBER)
    with pytest.raises(InvalidRequest, match="Model Name"):
        services.customization.start_import("bad name!", FOLDER, actor=MEMBER)
    assert len(services.customization.list()) == before


def test_an_import_the_folder_changed_under_fails_at_bedrock_saying_why(local) -> None:
    """Bedrock checks the folder again when it imports: a file removed after Model Studio's check fails the job."""
    services, clock = local
    put_folder(services)
    model = services.customization.start_import("late", FOLDER, actor=MEMBER)
    services.objects.put_bytes(FOLDER + "config.json", b'{"model_type": "bert"}')
    clock.advance(seconds=services.settings.sim_throughput_seconds + 1)
    failed = services.customization.refresh(model.id)
    assert failed.job_status is JobStatus.FAILED and "bert" in (failed.failure_message or "")
    row = services.customization.view(model.id).row
    assert row.status is Status.RED and "import failed" in row.next_action
    services.customization.delete(model.id, actor=MEMBER)


def test_an_imported_model_converse_does_not_serve_is_called_with_invoke_model(local) -> None:
    services, clock = local
    put_folder(services, "s3://model-studio/weights/oss/", config=b'{"model_type": "gpt_oss"}')
    model = services.customization.start_import("oss", "s3://model-studio/weights/oss/", actor=MEMBER)
    clock.advance(seconds=services.settings.sim_throughput_seconds + 1)
    done = services.customization.refresh(model.id)
    assert done.import_details is not None and done.import_details.invoke_api == "InvokeModel"
    answer = services.inference.chat(
        model.id, ChatRequest(messages=(ChatMessage(role="user", content="hi"),)), MEMBER, via=Action.TRY
    )
    assert "called by InvokeModel" in answer.output


def test_the_folder_rules_and_the_window_price() -> None:
    files = {"config.json": 10, "tokenizer.json": 1, "tokenizer_config.json": 1, "model.safetensors": 9}
    arch, problems = folder_problems(files, LLAMA_CONFIG)
    assert arch is not None and arch.name == "Llama" and problems == []
    arch, problems = folder_problems(files | {"model.safetensors": 0}, LLAMA_CONFIG)
    assert problems == ["model.safetensors: the weights file is empty."]
    arch, problems = folder_problems({"config.json": 1, "sub/tokenizer.json": 1}, b"{not json")
    assert arch is None and [p.split(":")[0] for p in problems] == [
        "tokenizer_config.json", "tokenizer.json", "*.safetensors", "config.json"
    ]  # fmt: skip
    known = ImportDetails(architecture="llama", converse=True, custom_model_units=2, cmu_version="v1.0")
    assert window_price(known) == pytest.approx(2 * 0.0785 * 5)
    newer = known.model_copy(update={"cmu_version": "v2.0"})
    assert window_price(newer) is None and "aws.amazon.com/bedrock/pricing" in price_said(newer)
    assert "known once the import completes" in price_said(known.model_copy(update={"custom_model_units": None}))


def test_a_model_imported_in_the_console_is_listed_after_a_sync(local) -> None:
    services, clock = local
    put_folder(services)
    bedrock = services.customization.imports._backend("us-east-1")  # the control plane, as the console uses it
    bedrock.create_import_job(
        job_name="console-import", model_name="console-llama", role_arn="arn:aws:iam::000000000000:role/x",
        s3_uri=FOLDER, client_token="console", tags={},
    )  # fmt: skip
    clock.advance(seconds=services.settings.sim_throughput_seconds + 1)
    notes = services.customization.adopt_external(actor=LOCAL_ADMIN)
    assert any("console-llama" in note for note in notes), notes
    [adopted] = [m for m in services.customization.list() if m.name == "console-llama"]
    assert adopted.customization_type == "IMPORTED" and adopted.serves_itself and adopted.created_by is None
    assert services.customization.view(adopted.id).row.status is Status.YELLOW
    assert services.customization.adopt_external(actor=LOCAL_ADMIN) == []  # known now: not adopted twice


def test_a_sagemaker_trained_nova_model_is_registered_and_served_by_throughput_only(local) -> None:
    services, clock = local
    api = TestClient(create_api(lambda: services), client=("127.0.0.1", 50000))
    nova = "bedrock:amazon.nova-micro-v1:0:128k"
    services.objects.put_bytes("s3://model-studio/sagemaker/nova-run/model.tar", b"artifacts")
    made = api.post(
        "/imported-models",
        json={
            "ModelName": "sm-nova",
            "BaseModelId": nova,
            "ModelDataLocation": "s3://model-studio/sagemaker/nova-run/",
        },
    )
    assert made.status_code == 202, made.text
    body = made.json()
    assert body["ModelType"] == "IMPORTED" and body["BaseModelId"] == nova and body["Imported"] is None
    assert ":custom-model/" in body["JobArn"]  # the registered model's ARN, followed like a job
    package = "arn:aws:sagemaker:us-east-1:123456789012:model-package/nova-group/3"
    by_package = api.post(
        "/imported-models", json={"ModelName": "sm-nova-2", "BaseModelId": nova, "ModelPackageArn": package}
    )
    assert by_package.status_code == 202, by_package.text
    clock.advance(seconds=services.settings.sim_throughput_seconds + 1)
    done = services.customization.refresh(body["Id"])
    assert done.job_status is JobStatus.COMPLETED and done.custom_model_arn == body["JobArn"]
    subject = services.customization.subject(done)
    assert decide(Action.PROVISION, subject, LOCAL_ADMIN)  # served by provisioned throughput
    assert not decide(Action.DEPLOY, subject, LOCAL_ADMIN)  # not on demand
    refusals = {
        "not Nova": {
            "ModelName": "x1",
            "BaseModelId": "bedrock:meta.llama3-1-8b-instruct-v1:0:128k",
            "ModelPackageArn": package,
        },
        "both": {"ModelName": "x2", "BaseModelId": nova, "ModelPackageArn": package, "ModelDataLocation": FOLDER},
        "neither": {"ModelName": "x3", "BaseModelId": nova},
        "bad package": {"ModelName": "x4", "BaseModelId": nova, "ModelPackageArn": "arn:aws:s3:::bucket"},
        "bucket": {"ModelName": "x5", "BaseModelId": nova, "ModelDataLocation": "s3://elsewhere/nova/"},
        "package alone": {"ModelName": "x6", "ModelPackageArn": package},
    }
    for why, request in refusals.items():
        refused = api.post("/imported-models", json=request)
        assert refused.status_code == 422, (why, refused.text)
    assert {m.name for m in services.customization.list()} == {"sm-nova", "sm-nova-2"}
    missing = services.customization.register("sm-gone", nova, "s3://model-studio/sagemaker/none/", actor=LOCAL_ADMIN)
    clock.advance(seconds=services.settings.sim_throughput_seconds + 1)
    failed = services.customization.refresh(missing.id)
    assert failed.job_status is JobStatus.FAILED and "No model artifacts" in (failed.failure_message or "")


def test_an_imported_model_is_not_evaluated_against_a_base_it_does_not_have(local) -> None:
    services, clock = local
    put_folder(services)
    model = services.customization.start_import("to-evaluate", FOLDER, actor=LOCAL_ADMIN)
    clock.advance(seconds=services.settings.sim_throughput_seconds + 1)
    services.customization.refresh(model.id)
    api = TestClient(create_api(lambda: services), client=("127.0.0.1", 50000))
    refused = api.post(f"/custom-models/{model.id}/evaluations", json={"DatasetLocation": FOLDER + "config.json"})
    assert refused.status_code == 422 and "is an imported model" in refused.text, refused.text


def test_a_sync_while_our_import_completes_does_not_take_it_for_someone_elses(local) -> None:
    services, clock = local
    put_folder(services)
    model = services.customization.start_import("ours", FOLDER, actor=MEMBER)
    clock.advance(seconds=services.settings.sim_throughput_seconds + 1)  # complete at Bedrock, not yet refreshed here
    assert services.customization.adopt_external(actor=LOCAL_ADMIN) == []
    assert [m.id for m in services.customization.list()] == [model.id]
