"""Submissions that must not revive, lose or share a model: a resubmit after a delete or with
changed data (6), the reconciler and a live upload (7), throughput deleted at the provider (8),
identical concurrent submits (11)."""

from __future__ import annotations

import io
import threading
from pathlib import Path

import httpx
import orjson
import pytest

from services.customization import NewCustomModel, Upload
from services.domain.custom import JobStatus
from services.domain.models import Status
from tests.security.conftest import create_token, enable, put_object, serving
from tests.support.factories import LLAMA, State, custom_model, jsonl
from tests.support.fakes import ADMIN, MEMBER, OTHER_MEMBER, World


def upload(data: bytes) -> Upload:
    return Upload("train.jsonl", io.BytesIO(data), len(data))


def submit(w: World, data: bytes, actor=ADMIN, name: str = "revived"):
    return w.customization.create(NewCustomModel(name=name, base_model_id=LLAMA), upload(data), actor=actor)


# ---- 6. a token names one submission of one live record ---------------------------------------------
def test_a_resubmit_after_a_delete_is_a_new_job_not_the_dead_model(w: World) -> None:
    first = submit(w, jsonl(130))
    w.clock.advance(seconds=61)
    done = w.customization.refresh(first.id)
    assert done.job_status is JobStatus.COMPLETED
    w.customization.delete(first.id, actor=ADMIN)
    again = submit(w, jsonl(130))  # the identical request
    assert again.id != first.id and again.job_arn != first.job_arn
    assert again.job_status is JobStatus.IN_PROGRESS and again.custom_model_arn is None
    assert w.local_bedrock.get_job(again.job_name).status is JobStatus.IN_PROGRESS
    from services.domain.errors import TransitionNotAllowed

    with pytest.raises(TransitionNotAllowed, match="completed model"):  # no throughput for the deleted model
        w.customization.provision_throughput(again.id, actor=ADMIN)


def test_data_fixed_in_place_is_new_data_not_the_old_record(w: World) -> None:
    uri = "s3://my-data/sets/train.jsonl"
    w.objects.put_bytes(uri, jsonl(130))
    request = NewCustomModel(name="fixed", base_model_id=LLAMA)
    first = w.customization.create(request, uri, actor=ADMIN)
    assert w.customization.create(request, uri, actor=ADMIN).id == first.id  # a true retry: the same model
    import os

    w.objects.put_bytes(uri, jsonl(140))  # the user fixes the data under the same URI
    os.utime(w.root / "s3" / "my-data" / "sets" / "train.jsonl")  # the file's time moves, whatever the clock
    from services.domain.errors import DuplicateName

    with pytest.raises(DuplicateName, match="already used"):  # a new submission: not the old record
        w.customization.create(request, uri, actor=ADMIN)


def test_another_users_identical_request_is_their_own_or_a_clear_conflict(w: World) -> None:
    from services.domain.errors import DuplicateName

    mine = submit(w, jsonl(130), actor=MEMBER)
    with pytest.raises(DuplicateName, match="already used"):
        submit(w, jsonl(130), actor=OTHER_MEMBER)
    assert [m.id for m in w.customization.list()] == [mine.id]


# ---- 7. the reconciler and a live upload ---------------------------------------------------------------
def test_the_reconciler_leaves_a_live_upload_alone(tmp_path: Path) -> None:
    w = World(tmp_path, submit_grace_seconds=40)
    w.catalog.sync(actor=ADMIN)
    w.catalog.enable(LLAMA, actor=ADMIN)
    long = "a" * 2000
    data = b"".join(orjson.dumps({"prompt": f"q{i}", "completion": long}) + b"\n" for i in range(9000))
    assert len(data) > 2 * 8 * 1024 * 1024  # several chunks of the object store's copy loop
    writes = []

    def progress(what: str, done: int, total: int) -> None:  # runs between two reads of the upload
        writes.append(done)
        if len(writes) == 1:
            w.clock.advance(seconds=35)  # a slow upload: the grace period is almost over
        elif len(writes) == 2:
            w.clock.advance(seconds=10)  # 45 s after the submission started
            report = w.customization.reconcile()
            assert report.rolled_back == (), "the reconciler rolled back a live submission"

    model = w.customization.create(
        NewCustomModel(name="slow-upload", base_model_id=LLAMA), upload(data), None, progress, actor=ADMIN
    )
    assert len(writes) >= 3
    assert model.job_status is JobStatus.IN_PROGRESS and w.customization.get(model.id).job_arn
    assert len(list((tmp_path / "local-bedrock" / "jobs").glob("*.json"))) == 1
    assert not w.store.audit.audit_events(action="submission-rolled-back")


def test_a_dead_submission_is_still_rolled_back(w: World) -> None:
    w.backend.fail["create_job"] = KeyboardInterrupt  # the process is stopped right before the job
    with pytest.raises(KeyboardInterrupt):
        submit(w, jsonl(130))
    w.backend.fail.clear()
    w.clock.advance(seconds=301)
    assert w.customization.reconcile().rolled_back == ("revived",)


# ---- 8. throughput that vanishes at the provider -----------------------------------------------------------
def test_throughput_deleted_in_the_console_turns_the_model_red_and_stops_the_meter(w: World) -> None:
    model = custom_model(w, State.ENABLED, name="revived", data=jsonl(130))
    assert w.catalog.get_model(model.id).status is Status.GREEN
    w.clock.advance(hours=2)
    w.local_bedrock.delete_throughput(model.throughput_arn)  # someone deletes it in the console
    w.clock.advance(minutes=5)
    w.customization.reconcile()
    after = w.customization.get(model.id)
    view = w.catalog.get_model(model.id)
    assert view.status is Status.RED and not view.record.enabled and after.throughput_status is None
    assert "deleted outside Model Studio" in (after.throughput_failure or "")
    history = w.store.custom_models.throughput_history()[model.id]
    assert len(history) == 1 and (history[0][2] - history[0][1]).total_seconds() > 2 * 3600  # metered, then stopped
    meter = w.costs.costs(model.id)
    assert meter.throughput_running_hours in (None, 0)
    [event] = w.store.audit.audit_events(action="throughput-vanished")
    assert event.actor_id == "system" and "was disabled" in event.detail


# ---- 11. identical concurrent submits ------------------------------------------------------------------------
@pytest.mark.parametrize("db", ["sqlite", "postgresql"])
def test_twenty_identical_concurrent_submits_get_one_model(tmp_path: Path, db: str, request) -> None:
    database_url = request.getfixturevalue("postgres_url") if db == "postgresql" else None
    with serving(tmp_path, database_url) as target:
        enable(target, LLAMA)
        uri = put_object(target, "sets/race.jsonl", jsonl(130))
        body = {"ModelName": "race", "BaseModelId": LLAMA, "TrainingDataLocation": uri}
        token = create_token(target, "mia@example.com", "member")
        headers = {"Authorization": f"Bearer {token}"}
        answers: list[httpx.Response] = []

        def post() -> None:
            answers.append(httpx.post(f"{target.url}/api/custom-models", json=body, headers=headers, timeout=120))

        threads = [threading.Thread(target=post) for _ in range(20)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(r.status_code for r in answers) == [201] * 20, [r.text for r in answers if r.status_code != 201]
        assert len({r.json()["Id"] for r in answers}) == 1
        jobs = list((target.data / "local-bedrock" / "jobs").glob("*.json"))
        assert len(jobs) == 1
        other = create_token(target, "otto@example.com", "member")
        r = httpx.post(
            f"{target.url}/api/custom-models", json=body, headers={"Authorization": f"Bearer {other}"}, timeout=60
        )
        assert r.status_code == 409 and "already used" in r.json()["Message"]
        assert (
            len(httpx.get(f"{target.url}/api/custom-models", headers=headers, timeout=30).json()["CustomModels"]) == 1
        )
        assert orjson.loads(jobs[0].read_bytes())  # the one job is intact
