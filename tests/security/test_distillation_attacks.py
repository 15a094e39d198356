"""Attacks on distillation over real HTTP against a running server (local backend): a teacher is a model that may
be used (enabled, paired with the student, botocore's pattern), invocation logs are read through the bucket rule
in every place that reads them, only an admin points invocation logging anywhere, and a call's metadata is
bounded by Bedrock's rules. Each attack is refused saying what is wrong and where, and nothing changes."""

from __future__ import annotations

import httpx
import pytest

from tests.security.conftest import Target, create_token, enable, put_object
from tests.support.factories import NOVA_MICRO, NOVA_PRO, distill_jsonl

SECRET_LOGS = "s3://secret-bucket/AWSLogs/"


@pytest.fixture(scope="module")
def prompts(target: Target) -> str:
    enable(target, NOVA_MICRO)
    return put_object(target, "sets/prompts.jsonl", distill_jsonl())


def body(uri: str | None, teacher: object, **more: object) -> dict[str, object]:
    out: dict[str, object] = {
        "ModelName": "distilled",
        "ModelType": "DISTILLATION",
        "BaseModelId": NOVA_MICRO,
        "CustomizationConfig": {"TeacherModelId": teacher},
    }
    if uri:
        out["TrainingDataLocation"] = uri
    return out | more


@pytest.mark.parametrize(
    ("teacher", "said"),
    [
        (NOVA_PRO, "only enabled (GREEN) models may be used"),  # nobody enabled it: its calls cost
        ("amazon.nova-pro-v1:0'; DROP TABLE models;--", "is not a Bedrock model id"),
        ("x" * 5000, "is not a Bedrock model id"),
        ("https://169.254.169.254/latest/", "is not a Bedrock model id"),
        ("meta.llama3-1-405b-instruct-v1:0", "does not teach amazon.nova-micro-v1:0:128k"),
        ({"$ne": None}, "TeacherModelId: required"),
    ],
)
def test_a_teacher_must_be_a_model_that_may_be_used(target: Target, prompts: str, teacher: object, said: str) -> None:
    before = target.snapshot()
    made = httpx.post(f"{target.url}/api/custom-models", json=body(prompts, teacher), timeout=60)
    assert made.status_code == 422 and said in made.text and "TeacherModelId" in made.text, made.text
    assert target.snapshot() == before


def test_invocation_logs_are_read_through_the_bucket_rule_everywhere(target: Target, prompts: str) -> None:
    enable(target, NOVA_PRO)
    before = target.snapshot()
    source = {"InvocationLogs": {"S3Uri": SECRET_LOGS, "UsePromptResponse": True}}
    checked = httpx.post(
        f"{target.url}/api/data-checks", json=body(None, "amazon.nova-pro-v1:0", TrainingDataSource=source), timeout=60
    ).json()
    assert checked["Ok"] is False and any("bucket 'secret-bucket' is not one" in p for p in checked["Problems"])
    made = httpx.post(
        f"{target.url}/api/custom-models",
        json=body(None, "amazon.nova-pro-v1:0", TrainingDataSource=source),
        timeout=60,
    )
    assert made.status_code == 422 and "bucket 'secret-bucket' is not one" in made.text, made.text
    counted = httpx.post(
        f"{target.url}/api/invocation-log-counts", json={"InvocationLogs": source["InvocationLogs"]}, timeout=60
    )
    assert counted.status_code == 422 and "bucket 'secret-bucket' is not one" in counted.text
    both = httpx.post(
        f"{target.url}/api/custom-models",
        json=body(
            prompts, "amazon.nova-pro-v1:0", TrainingDataSource={"InvocationLogs": {"S3Uri": "s3://model-studio/l/"}}
        ),
        timeout=60,
    )
    assert both.status_code == 422 and "not both" in both.text
    bomb = {"S3Uri": "s3://model-studio/l/", "Filters": {"OrAll": [{"Equals": {f"k{i}": "v"}} for i in range(17)]}}
    refused = httpx.post(f"{target.url}/api/invocation-log-counts", json={"InvocationLogs": bomb}, timeout=60)
    assert refused.status_code == 422 and "a list of 1 to 16" in refused.text
    assert target.snapshot() == before


def test_only_an_admin_points_invocation_logging_anywhere(target: Target) -> None:
    member = create_token(target, "mia@example.com", "member")
    before = target.snapshot()
    headers = {"Authorization": f"Bearer {member}"}
    for uri in ("s3://model-studio/logs/", SECRET_LOGS):
        r = httpx.put(
            f"{target.url}/api/invocation-logging",
            json={"Region": "us-east-1", "S3Uri": uri},
            headers=headers,
            timeout=60,
        )
        assert r.status_code == 403 and "for admins" in r.text, r.text
    shown = httpx.get(f"{target.url}/api/invocation-logging", headers=headers, timeout=60).json()
    assert all(not region["Enabled"] for region in shown["Regions"])  # a member may see it, not change it
    assert target.snapshot() == before


@pytest.mark.parametrize(
    ("metadata", "said"),
    [
        ({"k": "<script>"}, "metadata.k: the value must be"),
        ({"": "v"}, "the key '' must be"),
        ({f"k{i}": "v" for i in range(17)}, "at most 16 string pairs"),
        ({"k": "v" * 300}, "metadata.k: the value must be"),
        ({"k": 5}, "metadata.k: the value must be a string"),
    ],
)
def test_a_calls_metadata_is_bounded_as_bedrock_bounds_it(target: Target, metadata: dict, said: str) -> None:
    enable(target, NOVA_PRO)
    r = httpx.post(
        f"{target.url}/api/v1/chat/completions",
        json={"model": NOVA_PRO, "messages": [{"role": "user", "content": "hi"}], "metadata": metadata},
        timeout=60,
    )
    assert r.status_code == 422 and said in r.text, r.text
