"""Distillation from Bedrock's invocation logs on the local backend as `make run` builds it: logging off until an
admin turns it on (to a bucket Model Studio may use, audited), calls through Model Studio's gateway logged as
Bedrock logs them (with the caller's metadata), the calls a filter picks counted before anything is submitted,
a job made from them (invocationLogsConfig, no training file), and the student answering with what was logged."""

from __future__ import annotations

import gzip
from pathlib import Path

import orjson
import pytest
from fastapi.testclient import TestClient

from api.app import create_api
from services.bootstrap import build_services
from services.customization import NewCustomModel
from services.domain.actions import Action
from services.domain.calls import ChatMessage, ChatRequest
from services.domain.custom import JobStatus
from services.domain.errors import BucketNotAllowed, Forbidden, InvalidData, InvalidRequest
from services.domain.identity import LOCAL_ADMIN
from services.domain.invocation_logs import matches, parse_invocation_logs
from services.domain.models import Status
from services.settings import load_settings
from tests.support.factories import NOVA_MICRO, NOVA_PRO
from tests.support.fakes import MEMBER, FakeClock

LOGS = "s3://model-studio/invocation-logs/"
SUPPORT = {"S3Uri": LOGS, "Filters": {"Equals": {"use-case": "support"}}, "UsePromptResponse": True}
TEACHER = {"TeacherModelId": "amazon.nova-pro-v1:0"}


@pytest.fixture
def local(tmp_path: Path):  # type: ignore[no-untyped-def]
    clock = FakeClock()
    services = build_services(load_settings(data_dir=tmp_path, aws_regions=["us-east-1", "us-west-2"]), clock=clock)
    services.start(background=False)
    for model_id in (NOVA_MICRO, NOVA_PRO):
        services.catalog.enable(model_id, actor=LOCAL_ADMIN)
    return services, clock


def call(services, text: str, metadata: dict[str, str], model: str = NOVA_PRO) -> str:  # type: ignore[no-untyped-def]
    asked = ChatRequest(messages=(ChatMessage(role="user", content=text),), metadata=tuple(metadata.items()))
    return services.inference.chat(model, asked, LOCAL_ADMIN, via=Action.TRY).output


def logged(services, n: int = 110, tag: str = "support") -> None:  # type: ignore[no-untyped-def]
    for i in range(n):
        call(services, f"How do I reset the router in room {i}?", {"use-case": tag, "team": "help"})


@pytest.mark.parametrize(
    ("source", "said"),
    [
        ({"S3Uri": "model-studio/logs"}, "S3Uri: 'model-studio/logs' is not an s3:// location"),
        ({"S3Uri": LOGS, "Filters": {"Equals": {"a": "1"}, "NotEquals": {"b": "2"}}}, "exactly one of Equals"),
        ({"S3Uri": LOGS, "Filters": {"Equals": {"a": "1", "b": "2"}}}, "one metadata key and its value"),
        ({"S3Uri": LOGS, "Filters": {"AndAll": []}}, "a list of 1 to 16"),
        ({"S3Uri": LOGS, "Filters": {"OrAll": [{"Equals": {"k<script>": "v"}}]}}, "the key 'k<script>' must be"),
        ({"S3Uri": LOGS, "UsePromptResponse": "yes"}, "UsePromptResponse: true or false"),
        ({"S3Uri": LOGS, "Where": 1}, "unknown field(s) Where"),
    ],
)
def test_a_bad_source_is_refused_in_the_forms_words(source, said) -> None:
    logs, problems = parse_invocation_logs(source)
    assert logs is None and any(said in p for p in problems), problems


def test_filters_pick_calls_by_their_metadata_as_bedrock_does() -> None:
    logs, _ = parse_invocation_logs(
        {"S3Uri": LOGS, "Filters": {"AndAll": [{"Equals": {"a": "1"}}, {"NotEquals": {"b": "2"}}]}}
    )
    assert logs is not None and logs.bedrock()["requestMetadataFilters"] == {
        "andAll": [{"equals": {"a": "1"}}, {"notEquals": {"b": "2"}}]
    }
    assert logs.matches({"a": "1"}) and logs.matches({"a": "1", "b": "3"}) and not logs.matches({"a": "1", "b": "2"})
    assert matches({"orAll": [{"equals": {"a": "1"}}, {"equals": {"a": "2"}}]}, {"a": "2"})
    assert not matches({"equals": {"a": "1"}}, None) and matches(None, None)
    assert logs.api()["Filters"] == {"AndAll": [{"Equals": {"a": "1"}}, {"NotEquals": {"b": "2"}}]}


def test_logging_is_off_until_an_admin_turns_it_on_to_an_allowed_bucket(local) -> None:
    services, _ = local
    assert [(r.region, r.destination) for r in services.customization.logging.status()] == [
        ("us-east-1", None),
        ("us-west-2", None),
    ]
    with pytest.raises(Forbidden):
        services.customization.logging.enable("us-east-1", LOGS, actor=MEMBER)
    with pytest.raises(BucketNotAllowed):
        services.customization.logging.enable("us-east-1", "s3://someone-elses-bucket/logs/", actor=LOCAL_ADMIN)
    with pytest.raises(InvalidRequest, match="is not configured"):
        services.customization.logging.enable("eu-west-1", LOGS, actor=LOCAL_ADMIN)
    call(services, "Not logged: logging is off.", {"use-case": "support"})
    assert services.objects.list(LOGS) == []
    services.customization.logging.enable("us-east-1", "s3://model-studio/invocation-logs", actor=LOCAL_ADMIN)
    assert services.customization.logging.status()[0].destination == LOGS
    audit = services.audit.audit_events(action="enable-invocation-logging")
    assert [(e.before, e.after, e.detail) for e in audit] == [("off", LOGS, "region us-east-1")]


def test_calls_are_logged_as_bedrock_logs_them_and_counted_before_a_job(local) -> None:
    services, _ = local
    services.customization.logging.enable("us-east-1", LOGS, actor=LOCAL_ADMIN)
    logged(services, 110)
    logged(services, 5, tag="sales")
    api = TestClient(create_api(lambda: services), client=("127.0.0.1", 50000))
    said = api.post(
        "/v1/chat/completions",
        json={"model": NOVA_PRO, "messages": [{"role": "user", "content": "Hi?"}], "metadata": {"use-case": "rest"}},
    )
    assert said.status_code == 200, said.text
    bad = api.post(
        "/v1/chat/completions",
        json={"model": NOVA_PRO, "messages": [{"role": "user", "content": "Hi?"}], "metadata": {"k": "<b>"}},
    )
    assert bad.status_code == 422 and "metadata.k: the value must be" in bad.text
    objects = services.objects.list(LOGS)
    assert len(objects) == 116 and all(
        "/AWSLogs/000000000000/BedrockModelInvocationLogs/us-east-1/" in u for u, _ in objects
    )
    with services.objects.open(objects[0][0]) as stream:
        entry = orjson.loads(gzip.decompress(stream.read()))
    assert entry["schemaType"] == "ModelInvocationLog" and entry["modelId"] == "amazon.nova-pro-v1:0"
    assert entry["operation"] == "Converse" and entry["input"]["inputBodyJson"]["messages"][0]["role"] == "user"
    counted = api.post(
        "/invocation-log-counts", json={"InvocationLogs": SUPPORT, "TeacherModelId": "amazon.nova-pro-v1:0"}
    )
    assert counted.status_code == 200, counted.text
    found = counted.json()
    assert (found["Files"], found["Calls"], found["Matched"], found["Usable"]) == (116, 116, 110, 110)
    other = api.post(
        "/invocation-log-counts", json={"InvocationLogs": SUPPORT, "TeacherModelId": "us.amazon.nova-premier-v1:0"}
    ).json()
    assert other["Usable"] == 0 and other["Skipped"] == {"answered by another model than the teacher": 110}
    prompts_only = api.post("/invocation-log-counts", json={"InvocationLogs": {"S3Uri": LOGS}}).json()
    assert prompts_only["Matched"] == 116 and prompts_only["Usable"] == 116
    elsewhere = api.post("/invocation-log-counts", json={"InvocationLogs": {"S3Uri": "s3://elsewhere/x/"}})
    assert elsewhere.status_code == 422 and "bucket 'elsewhere' is not one Model Studio may read" in elsewhere.text


def test_a_student_is_distilled_from_the_logs_and_answers_with_what_was_logged(local) -> None:
    services, clock = local
    services.customization.logging.enable("us-east-1", LOGS, actor=LOCAL_ADMIN)
    logged(services, 110)
    answer = call(services, "How do I reset the router in room 42?", {"use-case": "not-this"})
    api = TestClient(create_api(lambda: services), client=("127.0.0.1", 50000))
    body = {
        "ModelName": "router-help", "BaseModelId": NOVA_MICRO, "ModelType": "DISTILLATION",
        "CustomizationConfig": TEACHER, "TrainingDataSource": {"InvocationLogs": SUPPORT},
    }  # fmt: skip
    checked = api.post("/data-checks", json=body).json()
    assert checked["Ok"] and "110 can be used" in checked["Warnings"][0], checked
    made = api.post("/custom-models", json=body)
    assert made.status_code == 201, made.text
    shown = made.json()
    assert shown["TrainingDataSource"] == {"InvocationLogs": SUPPORT} and shown["TrainingDataLocation"] == LOGS
    assert shown["TrainingRecords"] == 110
    model = services.customization.get(shown["Id"])
    job = services.customization.lifecycle._backend(model.region).get_job(model.job_arn)
    assert job is not None and job.training_logs == {
        "usePromptResponse": True,
        "invocationLogSource": {"s3Uri": LOGS},
        "requestMetadataFilters": {"equals": {"use-case": "support"}},
    }
    clock.advance(seconds=services.settings.sim_job_seconds + 1)
    assert services.customization.refresh(model.id).job_status is JobStatus.COMPLETED
    services.customization.deploy(model.id, actor=LOCAL_ADMIN)
    clock.advance(seconds=services.settings.sim_throughput_seconds + 1)
    services.customization.refresh(model.id)
    assert services.catalog.enable(model.id, actor=LOCAL_ADMIN).status is Status.GREEN
    assert call(services, "How do I reset the router in room 42?", {}, model=model.id) == answer  # as logged


def test_logs_are_for_distillation_only_and_too_few_usable_calls_are_refused(local) -> None:
    services, _ = local
    services.customization.logging.enable("us-east-1", LOGS, actor=LOCAL_ADMIN)
    logged(services, 40)
    request = NewCustomModel(
        name="too-few", base_model_id=NOVA_MICRO, customization_type="DISTILLATION", options=TEACHER,
        invocation_logs=SUPPORT,
    )  # fmt: skip
    with pytest.raises(InvalidData) as refused:
        services.customization.create(request, None, actor=LOCAL_ADMIN)
    assert any("40 records in all" in p and "needs at least 100" in p for p in refused.value.problems)
    tuned = request.model_copy(update={"customization_type": "FINE_TUNING", "options": None})
    with pytest.raises((InvalidData, InvalidRequest)) as wrong:
        services.customization.create(tuned, None, actor=LOCAL_ADMIN)
    assert any("takes a training file, not invocation logs" in p for p in wrong.value.problems)
    assert services.customization.list() == []
