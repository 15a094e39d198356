"""Every role × action through the services, the audit trail, allowed buckets, API tokens."""

from __future__ import annotations

import io

import orjson
import pytest

from services.customization import NewCustomModel, Upload
from services.domain.errors import Forbidden, InvalidData
from services.domain.identity import Role
from tests.support.factories import LLAMA, State, custom_model
from tests.support.fakes import ADMIN, MEMBER, OTHER_MEMBER, World


def data(n: int = 120) -> Upload:
    raw = b"".join(orjson.dumps({"prompt": f"q{i}", "completion": "a"}) + b"\n" for i in range(n))
    return Upload("t.jsonl", io.BytesIO(raw), len(raw))


@pytest.mark.parametrize(
    "action",
    [
        lambda w, a: w.catalog.enable("openai:gpt-4o", actor=a),
        lambda w, a: w.catalog.disable(LLAMA, actor=a),
        lambda w, a: w.catalog.bulk_set_enabled(["openai:gpt-4o"], enabled=True, actor=a),
        lambda w, a: w.catalog.sync(actor=a),
        lambda w, a: w.costs.refresh_prices(actor=a),
    ],
    ids=["enable", "disable", "bulk", "sync", "refresh-prices"],
)
def test_admin_only_actions_are_refused_to_members_and_change_nothing(w: World, action) -> None:
    revision, events = w.store.catalog.revision(), len(w.store.audit.audit_events())
    with pytest.raises(Forbidden, match=r"is for admins; Mia \(mia@example.com\) is a member"):
        action(w, MEMBER)
    assert w.store.catalog.revision() == revision and len(w.store.audit.audit_events()) == events


def test_members_create_and_act_on_their_own_models_but_not_on_others(w: World) -> None:
    mine = w.customization.create(NewCustomModel(name="mia-bot", base_model_id=LLAMA), data(), actor=MEMBER)
    assert mine.created_by == "mia@example.com"
    with pytest.raises(Forbidden, match=r"only its owner \(mia@example\.com\) or an admin may"):
        w.customization.stop(mine.id, actor=OTHER_MEMBER)
    w.clock.advance(seconds=61)
    for refused in (
        lambda: w.customization.provision_throughput(mine.id, actor=OTHER_MEMBER),
        lambda: w.customization.delete(mine.id, actor=OTHER_MEMBER),
    ):
        with pytest.raises(Forbidden):
            refused()
    w.customization.provision_throughput(mine.id, actor=MEMBER)
    with pytest.raises(Forbidden):
        w.customization.remove_throughput(mine.id, actor=OTHER_MEMBER)
    w.clock.advance(seconds=11)
    w.customization.refresh(mine.id)
    with pytest.raises(Forbidden):  # enabling is for admins, even of one's own model
        w.catalog.enable(mine.id, actor=MEMBER)
    w.catalog.enable(mine.id, actor=ADMIN)
    w.customization.remove_throughput(mine.id, actor=MEMBER)
    w.customization.delete(mine.id, actor=MEMBER)
    assert w.customization.list() == []


def test_admins_may_act_on_any_model(w: World) -> None:
    theirs = w.customization.create(NewCustomModel(name="mia-bot", base_model_id=LLAMA), data(), actor=MEMBER)
    assert w.customization.stop(theirs.id, actor=ADMIN).job_status.value == "Stopping"
    w.clock.advance(seconds=4)
    w.customization.delete(theirs.id, actor=ADMIN)
    assert w.customization.list() == []
    assert [e.actor_id for e in w.store.audit.audit_events(model_id=theirs.id, action="delete")] == [ADMIN.id]


def test_every_state_change_is_audited_and_kept_after_deletion(w: World) -> None:
    model = custom_model(w, State.ENABLED, name="mia-bot", owner=MEMBER)  # the admin enables it
    w.customization.remove_throughput(model.id, actor=MEMBER)
    w.customization.delete(model.id, actor=MEMBER)
    trail = list(reversed(w.store.audit.audit_events(model_id=model.id)))
    assert [(e.action, e.actor_id) for e in trail] == [
        ("create", "mia@example.com"),
        ("job-submitted", "mia@example.com"),
        ("status-refreshed", "system"),
        ("provision-throughput", "mia@example.com"),
        ("throughput-created", "mia@example.com"),
        ("status-refreshed", "system"),
        ("enable", "local-admin"),
        ("remove-throughput", "mia@example.com"),
        ("delete", "mia@example.com"),
    ]
    assert (trail[2].before, trail[2].after) == ("InProgress", "Completed")
    assert (trail[6].before, trail[6].after) == ("YELLOW", "GREEN")
    assert (trail[7].before, trail[7].after) == ("Completed · throughput InService · enabled", "Completed")
    assert all(e.request_id == "test" for e in trail if e.actor_id != "system")
    assert w.store.audit.audit_events(actor_id="local-admin", action="enable")[0].model_name == "mia-bot"


def test_sync_and_refused_creations_are_audited_too(w: World) -> None:
    assert w.store.audit.audit_events(action="sync")[0].detail.startswith("OpenAI")
    with pytest.raises(InvalidData):
        w.customization.create(NewCustomModel(name="bad name!", base_model_id=LLAMA), data(), actor=MEMBER)
    assert w.store.audit.audit_events(action="create") == []  # nothing was created, so nothing changed


def test_s3_uris_are_limited_to_allowed_buckets(w: World) -> None:
    w.objects.put_bytes("s3://elsewhere/train.jsonl", b"x")
    with pytest.raises(InvalidData, match="bucket 'elsewhere' is not one Model Studio may read"):
        w.customization.create(
            NewCustomModel(name="bot", base_model_id=LLAMA), "s3://elsewhere/train.jsonl", actor=ADMIN
        )


def test_tokens_are_shown_once_stored_hashed_and_revocable(w: World) -> None:
    tokens = w.services.tokens
    token_id, token = tokens.create("mia@example.com", "member", "laptop")
    assert token.startswith("mst_") and len(token) > 40
    assert all(token not in row.model_dump_json() for row in w.store.tokens.list_tokens())  # never the token itself
    actor = tokens.authenticate(token)
    assert actor is not None and actor.id == "mia@example.com" and actor.role is Role.MEMBER
    assert tokens.authenticate(token + "x") is None and tokens.authenticate("nope") is None
    assert tokens.revoke(token_id) and not tokens.revoke(token_id)
    assert tokens.authenticate(token) is None
