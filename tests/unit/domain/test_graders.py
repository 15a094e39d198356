"""Graders of reinforcement fine-tuning: one function reads a request's grader, in the form's words; the
built-ins score as they say; a grader's answer is read strictly."""

from __future__ import annotations

import pytest

from services.domain.graders import (
    Grader,
    builtin_reward,
    grader_of,
    loopback_url_problem,
    parse_grader,
    reference_text,
    rewards_of,
    sample,
)

ARN = "arn:aws:lambda:us-east-1:123456789012:function:grade-math"


@pytest.mark.parametrize(
    ("value", "simulated", "said"),
    [
        (None, True, "required for reinforcement fine-tuning"),
        ("exact-match", True, "an object"),
        ({"Builtin": "exact-match", "Url": "http://127.0.0.1:1/"}, True, "exactly one of LambdaArn, Builtin or Url"),
        ({"Builtin": "fuzzy"}, True, "'fuzzy' is not one of exact-match, numeric, json, regex"),
        ({"Builtin": "regex"}, True, "Pattern: required for the regex grader"),
        ({"Builtin": "regex", "Pattern": "(unclosed"}, True, "not a regular expression this grader runs"),
        ({"Builtin": "regex", "Pattern": "(?=lookahead)"}, True, "not a regular expression"),
        ({"Builtin": "numeric", "Tolerance": -1}, True, "Tolerance: a number from 0 up"),
        ({"Builtin": "numeric", "Tolerance": True}, True, "Tolerance"),
        ({"Url": "http://169.254.169.254/latest/meta-data/"}, True, "is not this machine"),
        ({"Url": "http://example.com/grade"}, True, "must be on loopback"),
        ({"Url": "file:///etc/passwd"}, True, "an http:// or https:// URL"),
        ({"Url": "http://user:pw@127.0.0.1:8000/"}, True, "no user name or password"),
        ({"LambdaArn": ARN}, True, "the local simulation cannot call AWS Lambda"),
        ({"Builtin": "exact-match"}, False, "Bedrock grades reinforcement fine-tuning with a Lambda function only"),
        ({"Url": "http://127.0.0.1:9/"}, False, "with a Lambda function only"),
        ({"LambdaArn": "arn:aws:lambda:us-east-1:1234:function:x"}, False, "is not a Lambda function ARN"),
        ({"LambdaArn": "arn:aws:s3:::bucket"}, False, "is not a Lambda function ARN"),
        ({"LambdaArn": ARN, "Extra": 1}, False, "unknown field(s) Extra"),
    ],
)
def test_a_grader_that_cannot_run_is_refused_saying_why_and_where(value: object, simulated: bool, said: str) -> None:
    grader, problems = parse_grader(value, simulated=simulated)
    assert grader is None and len(problems) == 1
    assert problems[0].startswith("Customization Config, Grader") and said in problems[0], problems


@pytest.mark.parametrize(
    ("value", "simulated", "bedrock"),
    [
        ({"LambdaArn": ARN}, False, {"lambdaGrader": {"lambdaArn": ARN}}),
        ({"LambdaArn": ARN + ":$LATEST"}, False, {"lambdaGrader": {"lambdaArn": ARN + ":$LATEST"}}),
        ({"Builtin": "exact-match"}, True, {"builtinGrader": {"name": "exact-match"}}),
        ({"Builtin": "numeric", "Tolerance": 0.5}, True, {"builtinGrader": {"name": "numeric", "tolerance": 0.5}}),
        (
            {"Builtin": "regex", "Pattern": "^x=\\d+$"},
            True,
            {"builtinGrader": {"name": "regex", "pattern": "^x=\\d+$"}},
        ),
        ({"Url": "http://localhost:8900/grade"}, True, {"urlGrader": {"url": "http://localhost:8900/grade"}}),
        ({"Url": "http://[::1]:8900/grade"}, True, {"urlGrader": {"url": "http://[::1]:8900/grade"}}),
    ],
)
def test_a_grader_reads_back_as_the_api_said_it(value: dict, simulated: bool, bedrock: dict) -> None:
    grader, problems = parse_grader(value, simulated=simulated)
    assert problems == [] and grader is not None
    assert grader.bedrock() == bedrock
    assert Grader.from_bedrock(bedrock) == grader and grader_of({"rftConfig": {"graderConfig": bedrock}}) == grader
    assert parse_grader(grader.api(), simulated=simulated) == (grader, [])


def test_the_built_in_graders_score_as_they_say() -> None:
    exact = Grader(builtin="exact-match")
    assert builtin_reward(exact, "  Paris ", {"answer": "paris"}) == 1.0
    assert builtin_reward(exact, "Lyon", "Paris") == 0.0
    numeric = Grader(builtin="numeric", tolerance=0.01)
    assert builtin_reward(numeric, "The total is 1,234.005 dollars", {"solution": "x = 1234"}) == 1.0
    assert builtin_reward(numeric, "about 12", 13) == 0.0
    assert builtin_reward(numeric, "no number here", 13) == 0.0
    as_json = Grader(builtin="json")
    assert builtin_reward(as_json, '{"compliant": "No", "why": "x"}', {"compliant": "No", "score": 3}) == 0.5
    assert builtin_reward(as_json, "not json", {"compliant": "No"}) == 0.0
    assert builtin_reward(as_json, "[1, 2]", {"compliant": "No"}) == 0.0
    regex = Grader(builtin="regex", pattern=r"^\d+$")
    assert builtin_reward(regex, "42", None) == 1.0 and builtin_reward(regex, "x42", None) == 0.0
    assert builtin_reward(regex, "a" * 1_000_000 + "!", None) == 0.0  # linear time, a bounded read


def test_a_reference_answer_reads_as_text_the_way_a_grader_compares_it() -> None:
    assert reference_text("4") == "4" and reference_text({"solution": "x = 4"}) == "x = 4"
    assert reference_text({"compliant": "No"}) == "No" and reference_text(7) == "7"
    assert reference_text({"a": 1, "b": 2}) == '{"a":1,"b":2}'


def test_a_graders_answer_is_read_strictly() -> None:
    ids = ["a", "b"]
    assert rewards_of([{"id": "b", "aggregate_reward_score": 0.5}, {"id": "a", "aggregate_reward_score": 1}], ids) == [
        1.0,
        0.5,
    ]
    assert rewards_of(
        {"body": '[{"id": "a", "aggregate_reward_score": 0}, {"id": "b", "aggregate_reward_score": 1}]'}, ids
    )
    for reply, said in [
        ({"score": 1}, "not a list"),
        ([{"id": "a"}], "aggregate_reward_score is not a finite number"),
        ([{"id": "a", "aggregate_reward_score": float("nan")}], "not a finite number"),
        ([{"id": "a", "aggregate_reward_score": 1}], "no score for 1 sample(s), e.g. 'b'"),
        (["x"], 'needs "id"'),
    ]:
        with pytest.raises(ValueError, match=said.replace("(", r"\(").replace(")", r"\)")):
            rewards_of(reply, ids)


def test_a_sample_is_the_record_with_the_answer_appended_and_an_id() -> None:
    record = {"messages": [{"role": "user", "content": "2+2?"}], "reference_answer": {"answer": "4"}, "extra": 1}
    got = sample(record, "4", "s1")
    assert got["id"] == "s1" and got["extra"] == 1 and got["reference_answer"] == {"answer": "4"}
    assert got["messages"] == [{"role": "user", "content": "2+2?"}, {"role": "assistant", "content": "4"}]
    assert record["messages"] == [{"role": "user", "content": "2+2?"}]  # the record itself is untouched


def test_only_loopback_urls_pass() -> None:
    assert loopback_url_problem("http://127.0.0.1:8000/grade") is None
    assert loopback_url_problem("https://localhost/grade") is None
    assert loopback_url_problem("http://127.0.0.2:80/") is None  # all of 127/8 is loopback
    assert "not this machine" in (loopback_url_problem("http://10.0.0.1/") or "")
    assert "not this machine" in (loopback_url_problem("http://0.0.0.0:80/") or "")
    assert "at most" in (loopback_url_problem("http://127.0.0.1/" + "a" * 3000) or "")
    assert "not a URL" in (loopback_url_problem("http://127.0.0.1:99999/") or "")
