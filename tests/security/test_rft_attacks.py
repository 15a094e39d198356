"""Attacks on reinforcement fine-tuning over real HTTP against a running server (local backend): a grader URL
is the server making a request for the user, so it reaches loopback only; a grader may not be a Lambda the
simulation would pretend to call; Test grader reads data through the bucket rule; the fields are bounded.
Each attack is refused saying what is wrong and where, and nothing changes."""

from __future__ import annotations

import httpx
import pytest

from tests.security.conftest import Target, enable, put_object
from tests.support.factories import NOVA_2_LITE, rft_jsonl
from tests.support.grader_server import grader_server


@pytest.fixture(scope="module")
def rft_data(target: Target) -> str:
    enable(target, NOVA_2_LITE)
    return put_object(target, "sets/rft.jsonl", rft_jsonl())


def create(target: Target, uri: str, grader: object, **more: object) -> httpx.Response:
    body = {
        "ModelName": "graded",
        "ModelType": "REINFORCEMENT_FINE_TUNING",
        "BaseModelId": NOVA_2_LITE,
        "TrainingDataLocation": uri,
        "CustomizationConfig": {"Grader": grader},
    } | more
    return httpx.post(f"{target.url}/api/custom-models", json=body, timeout=60)


@pytest.mark.parametrize(
    ("grader", "said"),
    [
        ({"Url": "http://169.254.169.254/latest/meta-data/iam/"}, "must be on loopback"),
        ({"Url": "http://metadata.google.internal/"}, "must be on loopback"),
        ({"Url": "http://[::ffff:169.254.169.254]/"}, "must be on loopback"),
        ({"Url": "gopher://127.0.0.1:25/"}, "an http:// or https:// URL"),
        ({"Url": "http://admin:secret@127.0.0.1:1/"}, "no user name or password"),
        ({"LambdaArn": "arn:aws:lambda:us-east-1:123456789012:function:steal"}, "cannot call AWS Lambda"),
        ({"Builtin": "regex", "Pattern": "(a+)+$"}, None),  # catastrophic in backtracking engines: linear here
    ],
)
def test_a_grader_cannot_reach_past_this_machine(target: Target, rft_data: str, grader: dict, said: str | None) -> None:
    before = target.snapshot()
    checked = httpx.post(
        f"{target.url}/api/grader-tests",
        json={
            "CustomizationConfig": {"Grader": grader},
            "TrainingDataLocation": rft_data,
            "CandidateAnswer": "a" * 19_999 + "!",
        },
        timeout=60,
    )
    if said is None:
        assert checked.status_code == 200 and checked.json()["MeanReward"] == 0.0  # answered at once
        return
    assert checked.status_code == 422 and said in checked.text, checked.text
    made = create(target, rft_data, grader)
    assert made.status_code == 422 and said in made.text and "Customization Config, Grader" in made.text
    assert target.snapshot() == before


def test_test_grader_reads_no_bucket_it_may_not_and_no_file_on_the_server(target: Target) -> None:
    before = target.snapshot()
    for uri, said in [
        ("s3://someone-elses-bucket/train.jsonl", "is not one Model Studio may read"),
        ("file:///etc/passwd", "s3://"),
        ("s3://model-studio/../../etc/passwd", ""),
    ]:
        r = httpx.post(
            f"{target.url}/api/grader-tests",
            json={"CustomizationConfig": {"Grader": {"Builtin": "exact-match"}}, "TrainingDataLocation": uri},
            timeout=60,
        )
        assert r.status_code in (404, 422) and said in r.text and "root:" not in r.text, r.text
    assert target.snapshot() == before


@pytest.mark.parametrize(
    "body",
    [
        {"CustomizationConfig": {f"K{i}": 1 for i in range(9)}},  # more fields than any method takes
        {"Records": 11},
        {"Records": 0},
        {"CandidateAnswer": "x" * 20_001},
        {"CustomizationConfig": {"Grader": {"Builtin": "exact-match"}}, "Extra": True},
    ],
)
def test_test_grader_fields_are_bounded(target: Target, rft_data: str, body: dict) -> None:
    sent = {"CustomizationConfig": {"Grader": {"Builtin": "exact-match"}}, "TrainingDataLocation": rft_data} | body
    r = httpx.post(f"{target.url}/api/grader-tests", json=sent, timeout=60)
    assert r.status_code == 422, r.text


def test_a_loopback_grader_is_called_without_following_a_redirect_off_the_machine(
    target: Target, rft_data: str
) -> None:
    with grader_server("redirect") as grader:
        r = httpx.post(
            f"{target.url}/api/grader-tests",
            json={"CustomizationConfig": {"Grader": {"Url": grader.url}}, "TrainingDataLocation": rft_data},
            timeout=60,
        )
    assert r.status_code == 400 and "HTTP 307" in r.text and "ProviderRejected" in r.text, r.text
    with grader_server() as grader:  # the same request to a grader that answers: the test can fail
        ok = httpx.post(
            f"{target.url}/api/grader-tests",
            json={"CustomizationConfig": {"Grader": {"Url": grader.url}}, "TrainingDataLocation": rft_data},
            timeout=60,
        )
    assert ok.status_code == 200 and ok.json()["MeanReward"] == 1.0, ok.text
