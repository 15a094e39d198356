"""The third attack campaign, performed again over real HTTP against real servers set up as it was:
header sign-in with two members (Mia, Otto) and an admin holding API tokens, and local mode in front
of a slow model on loopback. Each test performs one attack (the issue's item number in its name),
asserts it is refused, and that nothing changed: rows, objects, the audit trail, notices."""

from __future__ import annotations

import concurrent.futures as futures
import csv
import io
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
import orjson
import pytest
from sqlalchemy import create_engine, text

from tests.security.conftest import Target, create_token, put_object, serving
from tests.support.factories import LLAMA, jsonl
from tests.support.openai_server import openai_server
from tests.support.servers import wait_for

USER = "X-Forwarded-Email"
SECRET = "s3://secret-bucket/payroll.jsonl"  # readable by the server's role, not by its users
HELLO = {"Messages": [{"Role": "user", "Content": "Hello?"}], "MaxTokens": 64}


@dataclass
class Campaign:
    target: Target
    mia: httpx.Client  # a member
    otto: httpx.Client  # another member
    admin: httpx.Client
    tokens: dict[str, str]
    model: str  # Mia's custom model, served and not enabled (YELLOW)

    def snapshot(self) -> dict[str, object]:
        """Target.snapshot, and the evaluations, their records, the notices and the tokens."""
        state = self.target.snapshot()
        engine = create_engine(self.target.database_url)
        try:
            with engine.connect() as conn:
                for table in ("evaluations", "evaluation_results", "outbox", "api_tokens"):
                    state[table] = conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
                state["revoked"] = conn.execute(
                    text("SELECT count(*) FROM api_tokens WHERE revoked_at IS NOT NULL")
                ).scalar_one()
                state["prefs"] = sorted(tuple(r) for r in conn.execute(text("SELECT user_id, scope FROM notice_prefs")))
        finally:
            engine.dispose()
        return state


def client(target: Target, token: str) -> httpx.Client:
    return httpx.Client(base_url=f"{target.url}/api", headers={"Authorization": f"Bearer {token}"}, timeout=60)


def served_model(api: httpx.Client, target: Target, name: str, validation: bytes | None = None) -> str:
    """A custom model made by the caller, trained and served by throughput: YELLOW."""
    train = put_object(target, f"sets/{name}-train.jsonl", jsonl(150, prompt="Question {i}?", completion="Answer {i}."))
    body = {"ModelName": name, "BaseModelId": LLAMA, "TrainingDataLocation": train}
    if validation is not None:
        body["ValidationDataLocation"] = put_object(target, f"sets/{name}-valid.jsonl", validation)
    created = api.post("/custom-models", json=body)
    assert created.status_code == 201, created.text
    model_id: str = created.json()["Id"]
    wait_for(lambda: api.get(f"/custom-models/{model_id}").json()["Status"] == "Complete")
    assert api.put(f"/custom-models/{model_id}/throughput", json={"ModelUnits": 1}).status_code == 202
    wait_for(lambda: api.get(f"/custom-models/{model_id}").json()["StatusLight"] == "YELLOW")
    return model_id


@pytest.fixture(scope="module")
def campaign(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Campaign]:
    with serving(
        tmp_path_factory.mktemp("campaign3"),
        STUDIO_TRUSTED_USER_HEADER=USER,
        STUDIO_ADMINS="admin@example.com",
        STUDIO_SIM_JOB_SECONDS="2",
        STUDIO_SIM_INFERENCE_SECONDS="0.02",
        STUDIO_EVAL_MAX_RUNNING="4",
        STUDIO_EVAL_MAX_RUNNING_PER_USER="1",
    ) as target:
        tokens = {
            "mia": create_token(target, "mia@example.com", "member"),
            "otto": create_token(target, "otto@example.com", "member"),
            "admin": create_token(target, "admin@example.com", "admin"),
        }
        mia, otto, admin = (client(target, tokens[k]) for k in ("mia", "otto", "admin"))
        assert admin.post(f"/models/{LLAMA}/enable").status_code == 200
        validation = jsonl(40, 100, prompt="Question {i}?", completion="Answer {i}.")
        put_object(target, "../secret-bucket/payroll.jsonl", validation)  # another bucket of the same store
        model = served_model(mia, target, "mia-bot", validation)
        yield Campaign(target, mia, otto, admin, tokens, model)


# ---- 1. every S3 URI passes one rule before anything is read -----------------------------------------------
# A body that the route would take, per operation with a URI field; the field under attack is set to SECRET.
URI_BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("post", "/custom-models"): {
        "ModelName": "exfil",
        "BaseModelId": LLAMA,
        "TrainingDataLocation": "s3://model-studio/sets/mia-bot-train.jsonl",
    },
    ("post", "/data-checks"): {
        "ModelName": "exfil",
        "BaseModelId": LLAMA,
        "TrainingDataLocation": "s3://model-studio/sets/mia-bot-train.jsonl",
    },
    ("post", "/grader-tests"): {
        "CustomizationConfig": {"Grader": {"Builtin": "exact-match"}},
        "TrainingDataLocation": "s3://model-studio/sets/mia-bot-train.jsonl",
    },
    ("post", "/custom-models/{model_id}/evaluations"): {},
    ("post", "/custom-models/{model_id}/evaluations/estimate"): {},
    ("put", "/invocation-logging"): {"Region": "us-east-1"},  # an admin's act: attacked by an admin
    ("post", "/imported-models"): {"ModelName": "exfil"},  # the folder is listed only after the bucket rule
}
ADMIN_ONLY = {("put", "/invocation-logging")}


def _uri_fields(schema: dict[str, Any]) -> set[tuple[str, str, str]]:
    """(method, path, field) for every request body field that takes an S3 URI: named …Location or
    …Uri, or described as an s3:// URI."""
    components = schema["components"]["schemas"]
    found = set()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            ref = (
                operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {})
            ).get("$ref")
            if not ref:
                continue
            for name, field in components[ref.rsplit("/", 1)[1]].get("properties", {}).items():
                described = "s3://" in str(field.get("description", ""))
                if name.endswith(("Location", "Uri", "URI")) or described:
                    found.add((method, path, name))
    return found


def test_1_every_uri_field_of_the_api_refuses_a_bucket_outside_the_allowlist(campaign: Campaign) -> None:
    schema = httpx.get(f"{campaign.target.url}/api/openapi.json", timeout=30).json()
    fields = _uri_fields(schema)
    assert {(m, p) for m, p, _ in fields} >= set(URI_BODIES)  # the enumeration finds what we know of
    for method, path, field in sorted(fields):
        assert (method, path) in URI_BODIES, f"{method.upper()} {path} takes an S3 URI ({field}): attack it here"
        before = campaign.snapshot()
        url = path.format(model_id=campaign.model)
        attacker = campaign.admin if (method, path) in ADMIN_ONLY else campaign.mia
        attacked = attacker.request(method, url, json=URI_BODIES[method, path] | {field: SECRET})
        said = attacked.json()
        if path == "/data-checks":  # Check data answers with the problems Create would refuse
            assert attacked.status_code == 200 and said["Ok"] is False, attacked.text
            refusal, summary = "\n".join(said["Problems"]), said["DataSummary"]
            assert field.removesuffix("DataLocation") not in summary  # no figure of the file attacked
        else:
            assert attacked.status_code == 422, (path, field, attacked.text)
            refusal = said["Message"]
        assert "bucket 'secret-bucket' is not one Model Studio may read" in refusal, said
        assert "Answer 1" not in attacked.text and "Records" not in said  # nothing of the file came back
        assert campaign.snapshot() == before


def test_1_the_estimate_says_nothing_of_an_object_outside_the_allowlist(campaign: Campaign) -> None:
    for uri in (SECRET, "s3://secret-bucket/missing.jsonl"):  # same answer: its existence is not told either
        r = campaign.mia.post(f"/custom-models/{campaign.model}/evaluations/estimate", json={"DatasetLocation": uri})
        assert r.status_code == 422 and r.json()["Code"] == "BucketNotAllowed", r.text
        assert "does not exist" not in r.text
    ok = campaign.mia.post(f"/custom-models/{campaign.model}/evaluations/estimate", json={})
    assert ok.status_code == 200 and ok.json()["Records"] == 40  # the control: her own validation data


# ---- 2. a model not yet enabled is tried by its owner or an admin only ------------------------------------------
def test_2_another_member_cannot_evaluate_or_call_a_model_not_yet_enabled(campaign: Campaign) -> None:
    before = campaign.snapshot()
    for attempt, status in (
        (lambda: campaign.otto.post(f"/custom-models/{campaign.model}/evaluations", json={}), 403),
        (lambda: campaign.otto.post(f"/custom-models/{campaign.model}/evaluations/estimate", json={}), 403),
        (lambda: campaign.otto.post(f"/models/{campaign.model}/invoke", json=HELLO), 409),  # YELLOW: for nobody
        (
            lambda: campaign.otto.post(
                "/v1/chat/completions", json={"model": campaign.model, "messages": [{"role": "user", "content": "hi"}]}
            ),
            409,
        ),
    ):
        refused = attempt()
        assert refused.status_code == status, refused.text
        assert "Answer" not in refused.text
    assert campaign.snapshot() == before
    judge_itself = campaign.mia.post(
        f"/custom-models/{campaign.model}/evaluations/estimate", json={"JudgeModelId": campaign.model}
    )
    assert judge_itself.status_code == 422 and "cannot judge its own answers" in judge_itself.text
    mine = campaign.mia.post(f"/custom-models/{campaign.model}/evaluations/estimate", json={})  # the control
    assert mine.status_code == 200


def test_2_a_model_disabled_mid_run_fails_the_run_with_the_reason(campaign: Campaign) -> None:
    model = served_model(campaign.mia, campaign.target, "mia-disabled", jsonl(200, prompt="Question {i}?"))
    assert campaign.admin.post(f"/models/{model}/enable").status_code == 200
    started = campaign.otto.post(f"/custom-models/{model}/evaluations", json={"Concurrency": 1, "MaxRecords": 200})
    assert started.status_code == 202, started.text  # GREEN: anyone may call it, so anyone may evaluate it
    run = started.json()["Id"]
    wait_for(lambda: campaign.otto.get(f"/evaluations/{run}").json()["Progress"]["Done"] >= 3)
    assert campaign.admin.post(f"/models/{model}/disable").status_code == 200
    failed = wait_for(lambda: (e := campaign.otto.get(f"/evaluations/{run}").json())["Status"] != "Running" and e)
    assert failed["Status"] == "Failed" and "only enabled (GREEN) models may be called" in failed["Error"]
    done = failed["Progress"]["Done"]
    assert done < 200
    time.sleep(1)
    assert campaign.otto.get(f"/evaluations/{run}").json()["Progress"]["Done"] == done  # no call after
    errored = [r for r in campaign.otto.get(f"/evaluations/{run}/results").json()["Results"] if r["Error"]]
    assert len(errored) <= 1  # not "Completed with 58 errored records"


# ---- 3 is below, on its own server with a slow model -------------------------------------------------------------


# ---- 4. the evaluation CSV neutralises formulas ------------------------------------------------------------------
def test_4_the_evaluation_csv_writes_formulas_as_text(campaign: Campaign) -> None:
    formulas = b"".join(
        orjson.dumps({"prompt": f'=HYPERLINK("http://evil.test/{i}")', "completion": f"+cmd|' /C calc'!A{i}"}) + b"\n"
        for i in range(5)
    )
    uri = put_object(campaign.target, "sets/formulas.jsonl", formulas)
    started = campaign.mia.post(f"/custom-models/{campaign.model}/evaluations", json={"DatasetLocation": uri})
    assert started.status_code == 202, started.text
    run = started.json()["Id"]
    wait_for(lambda: campaign.mia.get(f"/evaluations/{run}").json()["Status"] == "Completed", 90)
    exported = campaign.mia.get(f"/evaluations/{run}/results", params={"format": "csv"})
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(exported.text, newline="")))[1:]
    assert len(rows) == 5
    for row in rows:
        assert row[1].startswith("'=HYPERLINK") and row[2].startswith("'+cmd"), row
        assert not any(cell.startswith(("=", "+", "-", "@")) for cell in row), row


# ---- 5. no input gives a 500 -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "body",
    [
        {"model": LLAMA, "messages": [{"role": "system", "content": "Be brief."}]},
        {"model": LLAMA, "messages": [{"role": "developer", "content": "Be brief."}]},
        {
            "model": LLAMA,
            "messages": [
                {"role": "system", "content": "s" * 150_000},
                {"role": "system", "content": "t" * 150_000},
                {"role": "user", "content": "hi"},
            ],
        },
        {"model": LLAMA, "messages": [{"role": "user", "content": [{"type": "text", "text": "x" * 300_000}]}]},
    ],
)
def test_5_chats_that_cannot_be_made_are_4xx_in_openais_shape(campaign: Campaign, body: dict[str, Any]) -> None:
    before = campaign.snapshot()
    r = campaign.mia.post("/v1/chat/completions", json=body)
    assert 400 <= r.status_code < 500, r.text
    assert set(r.json()) == {"error"} and r.json()["error"]["message"]
    assert campaign.snapshot() == before


def test_5_a_date_without_a_time_zone_is_a_422(campaign: Campaign) -> None:
    before = campaign.snapshot()
    r = campaign.mia.post("/notices/read", json={"Upto": "2026-12-04T10:00:00"})
    assert r.status_code == 422 and "Upto" in r.json()["Message"], r.text
    assert campaign.snapshot() == before
    assert campaign.mia.post("/notices/read", json={"Upto": "2026-12-04T10:00:00Z"}).status_code == 200


# ---- 6. a demoted admin's preferences follow the role ------------------------------------------------------------
def test_6_a_demoted_admin_no_longer_gets_every_models_notices(campaign: Campaign) -> None:
    admin = create_token(campaign.target, "lea@example.com", "admin")
    lea = client(campaign.target, admin)
    assert lea.put("/notices/preferences", json={"Scope": "all"}).json()["Scope"] == "all"
    assert any(n["ModelId"] == campaign.model for n in lea.get("/notices").json()["Notices"])
    token_id = next(t["Id"] for t in lea.get("/tokens").json()["Tokens"] if t["UserId"] == "lea@example.com")
    assert lea.delete(f"/tokens/{token_id}").status_code == 200  # the admin token goes…
    demoted = client(campaign.target, create_token(campaign.target, "lea@example.com", "member"))  # …a member's comes
    assert demoted.get("/notices/preferences").json()["Scope"] == "own"
    assert all(n["ModelId"] != campaign.model for n in demoted.get("/notices").json()["Notices"])


# ---- 7. an open stream does not outlive a disable: see the slow-model server below --------------------------------


# ---- 8. the evaluation queue: oldest first, a limit per engineer -------------------------------------------------
def test_8_one_members_queue_does_not_starve_another(campaign: Campaign) -> None:
    many = jsonl(60, prompt="Question {i}?", completion="Answer {i}.")
    uri = put_object(campaign.target, "sets/many.jsonl", many)
    assert campaign.admin.post(f"/models/{campaign.model}/enable").status_code == 200
    try:
        body = {"DatasetLocation": uri, "Concurrency": 1, "MaxRecords": 60}
        mia = [
            campaign.mia.post(f"/custom-models/{campaign.model}/evaluations", json=body).json()["Id"] for _ in range(3)
        ]
        otto = campaign.otto.post(f"/custom-models/{campaign.model}/evaluations", json=body).json()["Id"]
        runs = {r: campaign.mia.get(f"/evaluations/{r}").json() for r in mia}
        assert sum(e["Status"] == "Running" for e in runs.values()) <= 1  # one of Mia's at a time
        otto_started = wait_for(lambda: campaign.otto.get(f"/evaluations/{otto}").json()["StartedAt"], 30)
        second = campaign.mia.get(f"/evaluations/{mia[1]}").json()
        assert second["StartedAt"] is None or second["StartedAt"] > otto_started  # Otto did not wait for Mia's queue
        first = campaign.mia.get(f"/evaluations/{mia[0]}").json()
        # and hers was not held back for his: both start in the same pass (which thread stamps its start
        # first, within a millisecond, is not an order anyone waits for)
        assert first["StartedAt"] is not None
        gap = datetime.fromisoformat(first["StartedAt"]) - datetime.fromisoformat(otto_started)
        assert gap.total_seconds() < 1.0
        for run in (*mia, otto):
            wait_for(lambda run=run: campaign.mia.get(f"/evaluations/{run}").json()["Status"] == "Completed", 120)
    finally:
        campaign.admin.post(f"/models/{campaign.model}/disable")


# ---- 9. cancelling another member's evaluation is 403 ----------------------------------------------------------
def test_9_cancelling_another_members_evaluation_is_forbidden(campaign: Campaign) -> None:
    many = put_object(campaign.target, "sets/cancel.jsonl", jsonl(80, prompt="Question {i}?"))
    started = campaign.mia.post(
        f"/custom-models/{campaign.model}/evaluations", json={"DatasetLocation": many, "Concurrency": 1}
    )
    run = started.json()["Id"]
    before = campaign.mia.get(f"/evaluations/{run}").json()["Status"]
    r = campaign.otto.post(f"/evaluations/{run}/cancel")
    assert r.status_code == 403 and r.json()["Code"] == "Forbidden" and "Only the engineer" in r.json()["Message"]
    assert campaign.mia.get(f"/evaluations/{run}").json()["Status"] in (before, "Running", "Completed")
    assert campaign.mia.post(f"/evaluations/{run}/cancel").status_code in (200, 409)  # hers to cancel


# ---- 10. scoped API tokens -----------------------------------------------------------------------------------------
def test_10_an_invoke_token_calls_models_and_nothing_else(campaign: Campaign) -> None:
    made = campaign.mia.post("/tokens", json={"Name": "sdk", "Scopes": ["invoke"]})
    assert made.status_code == 201 and made.json()["Scopes"] == ["invoke"], made.text
    sdk = client(campaign.target, made.json()["Token"])
    chat = {"model": LLAMA, "messages": [{"role": "user", "content": "hi"}]}
    assert sdk.post("/v1/chat/completions", json=chat).status_code == 200
    assert sdk.post(f"/models/{LLAMA}/invoke", json=HELLO).status_code == 200
    before = campaign.snapshot()
    for method, path, scope in (
        ("DELETE", f"/custom-models/{campaign.model}", "manage"),
        ("DELETE", f"/custom-models/{campaign.model}/throughput", "manage"),
        ("POST", "/tokens", "manage"),
        ("GET", "/custom-models", "read"),
        ("GET", f"/custom-models/{campaign.model}/download?type=training", "read"),
    ):
        refused = sdk.request(method, path, json={} if method == "POST" else None)
        assert refused.status_code == 403, (path, refused.text)
        assert f"needs the '{scope}' scope" in refused.json()["Message"]
    assert campaign.snapshot() == before


def test_10_tokens_give_no_more_than_their_maker_has(campaign: Campaign) -> None:
    reader = client(campaign.target, campaign.mia.post("/tokens", json={"Scopes": ["read"]}).json()["Token"])
    before = campaign.snapshot()
    assert reader.post("/tokens", json={"Scopes": ["read"]}).status_code == 403  # making a token is "manage"
    assert campaign.mia.post("/tokens", json={"Role": "admin"}).status_code == 403  # a member makes no admin
    assert campaign.mia.post("/tokens", json={"UserId": "otto@example.com"}).status_code == 403
    assert campaign.mia.post("/tokens", json={"Scopes": ["everything"]}).status_code == 422
    otto_tokens = campaign.otto.get("/tokens").json()["Tokens"]
    assert all(t["UserId"] == "otto@example.com" for t in otto_tokens)  # only his own are listed
    mia_token = campaign.mia.get("/tokens").json()["Tokens"][0]["Id"]
    assert campaign.otto.delete(f"/tokens/{mia_token}").status_code == 404  # nor can he revoke hers
    assert campaign.snapshot() == before
    listed = campaign.admin.get("/tokens").json()["Tokens"]
    assert {"mia@example.com", "otto@example.com"} <= {t["UserId"] for t in listed}  # an admin sees all


def test_10_a_token_made_before_scopes_keeps_full_rights(campaign: Campaign) -> None:
    old = create_token(campaign.target, "old@example.com", "member")
    engine = create_engine(campaign.target.database_url)
    with engine.begin() as conn:  # as the migration leaves a token made before scopes existed
        conn.execute(text("UPDATE api_tokens SET scopes = NULL WHERE user_id = 'old@example.com'"))
    engine.dispose()
    legacy = client(campaign.target, old)
    assert legacy.get("/custom-models").status_code == 200
    assert legacy.post(f"/models/{LLAMA}/invoke", json=HELLO).status_code == 200
    assert legacy.get("/tokens").json()["Tokens"][0]["Scopes"] == ["invoke", "read", "manage"]


# ---- 11. repeated keys in a JSON body ---------------------------------------------------------------------------
def test_11_a_body_with_a_repeated_key_is_refused(campaign: Campaign) -> None:
    before = campaign.snapshot()
    twice = (
        b'{"ModelName": "harmless", "ModelName": "evil", "BaseModelId": "' + LLAMA.encode() + b'", '
        b'"TrainingDataLocation": "s3://model-studio/sets/mia-bot-train.jsonl"}'
    )
    r = campaign.mia.post("/custom-models", content=twice, headers={"Content-Type": "application/json"})
    assert r.status_code == 422 and "'ModelName' twice" in r.json()["Message"], r.text
    chat = b'{"model": "' + LLAMA.encode() + b'", "model": "x", "messages": [{"role": "user", "content": "hi"}]}'
    r = campaign.mia.post("/v1/chat/completions", content=chat, headers={"Content-Type": "application/json"})
    assert r.status_code == 422 and "'model' twice" in r.json()["error"]["message"], r.text
    nested = b'{"Messages": [{"Role": "user", "Role": "assistant", "Content": "hi"}]}'
    r = campaign.mia.post(f"/models/{LLAMA}/invoke", content=nested, headers={"Content-Type": "application/json"})
    assert r.status_code == 422
    assert campaign.snapshot() == before


# ---- 3 and 7: a slow model on loopback -------------------------------------------------------------------------
@dataclass
class Slow:
    target: Target
    delay: float


@pytest.fixture(scope="module")
def slow(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Slow]:
    delay = 3.0
    with (
        openai_server(delay, chunk_delay_seconds=0.15) as upstream,
        serving(
            tmp_path_factory.mktemp("slow"),
            STUDIO_LOCAL_INFERENCE_URL=upstream.url,
            STUDIO_MODEL_CALL_CONCURRENCY="48",
            STUDIO_MODEL_CALL_QUEUE="4",
        ) as target,
    ):
        assert httpx.post(f"{target.url}/api/models/{LLAMA}/enable", timeout=30).status_code == 200
        yield Slow(target, delay)


def _reads(url: str, until: float) -> list[float]:
    """GET /api/custom-models, /api/idle and /api/notices in turn until ``until``; each one's seconds."""
    took = []
    with httpx.Client(base_url=f"{url}/api", timeout=60) as api:
        while time.monotonic() < until:
            for path in ("/custom-models", "/idle", "/notices"):
                start = time.perf_counter()
                assert api.get(path).status_code == 200
                took.append(time.perf_counter() - start)
    return took


def test_3_sixty_slow_model_calls_do_not_stall_the_api(slow: Slow) -> None:
    url = slow.target.url

    def call(_: int) -> httpx.Response:
        return httpx.post(f"{url}/api/models/{LLAMA}/invoke", json=HELLO, timeout=60)

    with futures.ThreadPoolExecutor(64) as pool:
        calls = [pool.submit(call, i) for i in range(60)]
        time.sleep(0.5)  # every call is in by now
        during = _reads(url, time.monotonic() + slow.delay - 1)
        answers = [c.result() for c in calls]
    assert max(during) < 1.0, max(during)  # reads answered while every model call waited 3 s (they took ~3 s before)
    codes = sorted(r.status_code for r in answers)
    assert codes.count(429) == 8 and codes.count(200) == 52, [
        (r.status_code, r.text[:200]) for r in answers if r.status_code not in (200, 429)
    ]  # 48 at once, 4 waiting; the rest: come back
    refused = next(r for r in answers if r.status_code == 429)
    assert refused.headers["Retry-After"] == "1" and refused.json()["Code"] == "TooManyCalls"


def test_7_a_stream_ends_at_the_next_chunk_once_the_model_is_disabled(slow: Slow) -> None:
    url = slow.target.url
    words = " ".join(f"w{i}" for i in range(80))  # echoed back one word every 0.15 s
    body = {"model": LLAMA, "stream": True, "messages": [{"role": "user", "content": words}]}
    after: list[dict[str, Any]] = []
    disabled_at = None
    with httpx.stream("POST", f"{url}/api/v1/chat/completions", json=body, timeout=60) as streamed:
        assert streamed.status_code == 200
        for line in streamed.iter_lines():
            if not line.startswith("data: ") or line == "data: [DONE]":
                continue
            event = orjson.loads(line[6:])
            if disabled_at is not None:
                after.append(event)
            elif len(event.get("choices", [{}])[0].get("delta", {}).get("content", "")) > 0:
                disabled_at = time.monotonic()
                assert httpx.post(f"{url}/api/models/{LLAMA}/disable", timeout=30).status_code == 200
    try:
        content = [e for e in after if e.get("choices") and e["choices"][0]["delta"].get("content")]
        assert len(content) <= 1, content  # at most the chunk already on its way
        assert after and "error" in after[-1] and "GREEN" in after[-1]["error"]["message"]
    finally:
        assert httpx.post(f"{url}/api/models/{LLAMA}/enable", timeout=30).status_code == 200
