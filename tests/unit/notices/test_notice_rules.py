"""Who gets which notice (services/notices/subscriptions.py), the monthly budget (services/costs/budget.py), a model's
own idle guard and idle on-demand deployments (services/costs/idle.py): on a SQL store, so each event goes
through the outbox as in production."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from services.bootstrap import build_services
from services.customization import NewCustomModel
from services.domain.custom import DeploymentStatus
from services.domain.errors import Forbidden, InvalidRequest
from services.domain.identity import LOCAL_ADMIN
from services.domain.models import Status
from services.settings import load_settings
from tests.support.factories import NOVA_MICRO, jsonl, lite_world, nova_jsonl, trained_and_served, upload
from tests.support.fakes import ADMIN, MEMBER, OTHER_MEMBER, FakeClock, World

LITE = "bedrock:amazon.titan-text-lite-v1:0:4k"
HOUR = 3600
PRICES = {"amazon.titan-text-lite-v1": {"training": 0.001, "storage_month": 2.0, "inference_no_commit": 10.0}}


def sql_world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, **settings: object) -> World:
    world: World = lite_world(tmp_path, monkeypatch, admins=["ada@example.com"], **settings)
    return world


# ---- who gets what --------------------------------------------------------------------------------
def test_by_default_members_get_their_own_models_notices_and_admins_every_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = sql_world(tmp_path, monkeypatch)
    mine = world.customization.create(
        NewCustomModel(name="mias-bot", base_model_id=LITE), upload(jsonl()), actor=MEMBER
    )
    world.customization.create(
        NewCustomModel(name="ottos-bot", base_model_id=LITE), upload(jsonl()), actor=OTHER_MEMBER
    )
    world.clock.advance(seconds=61)
    world.reconciler.run_once()
    subs = world.services.subscriptions
    assert [n.model_name for n in subs.notices_for(MEMBER)] == ["mias-bot"]
    assert sorted(n.model_name or "" for n in subs.notices_for(ADMIN)) == ["mias-bot", "ottos-bot"]
    (notice,) = subs.notices_for(MEMBER)
    assert notice.event == "job.completed" and notice.model_id == mine.id
    assert subs.email_receivers(notice) == ["mailto:mia@example.com", "mailto:ada@example.com"]


def test_chosen_events_are_what_the_bell_and_the_mail_follow(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    world = sql_world(tmp_path, monkeypatch)
    subs = world.services.subscriptions
    subs.choose(MEMBER, events=["job.failed", "throughput.idle"], scope="own", email=True)
    admin = ADMIN.model_copy(update={"id": "ada@example.com"})
    subs.choose(admin, events=None, scope="all", email=False)  # the bell only
    world.customization.create(NewCustomModel(name="mias-bot", base_model_id=LITE), upload(jsonl()), actor=MEMBER)
    world.clock.advance(seconds=61)
    world.reconciler.run_once()
    (done,) = [n for n in world.store.outbox.notices() if n.event == "job.completed"]
    assert subs.notices_for(MEMBER) == [] and subs.email_receivers(done) == []
    assert [n.event for n in subs.notices_for(admin)] == ["job.completed"]
    stored = world.store.outbox.notice_prefs([MEMBER.id])[MEMBER.id]
    assert stored.events == ("job.failed", "throughput.idle") and stored.scope == "own"


def test_a_member_cannot_ask_for_every_models_notices_and_unknown_events_are_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    subs = sql_world(tmp_path, monkeypatch).services.subscriptions
    with pytest.raises(Forbidden, match="Notices about every model are for admins; Mia"):
        subs.choose(MEMBER, events=None, scope="all", email=True)
    with pytest.raises(InvalidRequest, match=r"no event called 'job.done'; the events are job.completed"):
        subs.choose(MEMBER, events=["job.completed", "job.done"], scope="own", email=True)
    assert subs.prefs_for(MEMBER.id, admin=False).events is None  # nothing half-saved


def test_what_was_read_stays_read_for_another_browser_and_another_replica(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from services.adapters.sql import SqlDatabase
    from services.notices.subscriptions import Subscriptions

    world = sql_world(tmp_path, monkeypatch)
    world.customization.create(NewCustomModel(name="mias-bot", base_model_id=LITE), upload(jsonl()), actor=MEMBER)
    world.clock.advance(seconds=61)
    world.reconciler.run_once()
    notices, unread = world.services.subscriptions.unread(MEMBER)
    assert len(unread) == 1
    world.services.subscriptions.mark_read(MEMBER, notices[0].at)
    assert isinstance(world.store, SqlDatabase)
    other = SqlDatabase(world.store.engine)
    elsewhere = Subscriptions(
        other.outbox, other.custom_models, ["ada@example.com"]
    )  # another replica, another browser
    assert elsewhere.unread(MEMBER)[1] == [] and len(elsewhere.unread(MEMBER)[0]) == 1
    world.services.subscriptions.choose(MEMBER, events=None, scope="own", email=False)
    assert elsewhere.unread(MEMBER)[1] == []  # choosing events keeps what was read


# ---- the monthly budget ------------------------------------------------------------------------
def test_the_monthly_budget_is_told_at_80_and_100_percent_once_a_month(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = sql_world(tmp_path, monkeypatch, monthly_budget=100, price_overrides=PRICES)
    world.clock.now = datetime(2026, 11, 3, 8, 0, tzinfo=UTC)
    model = trained_and_served(world)  # $10 an hour from now
    budget = world.services.budget
    start = world.services.costs.month_spend()
    assert start.month == "2026-11" and start.spent < 1 and start.unpriced == ()
    world.clock.advance(seconds=7 * HOUR)
    assert budget.check() == []  # ~$70
    world.clock.advance(seconds=1.2 * HOUR)
    assert budget.check() == ["budget.warning"]  # ~$82
    assert budget.check() == []  # once
    world.clock.advance(seconds=2 * HOUR)
    world.reconciler.run_once()  # the reconciler's round checks it: ~$102
    told = [n for n in world.store.outbox.notices() if n.event.startswith("budget.")]
    assert [n.event for n in told] == ["budget.exceeded", "budget.warning"]
    assert told[0].model_id is None and "of the $100.00 monthly budget" in told[0].detail
    spent = world.services.costs.month_spend().spent
    assert spent == pytest.approx(10 * 10.2 + start.spent, abs=0.5)
    # admins get it (every model and none); the owner, a member, does not
    assert "budget.exceeded" in [n.event for n in world.services.subscriptions.notices_for(ADMIN)]
    assert all(not n.event.startswith("budget.") for n in world.services.subscriptions.notices_for(MEMBER))
    world.customization.remove_throughput(model.id, actor=ADMIN)
    world.clock.now = datetime(2026, 12, 1, 0, 30, tzinfo=UTC)  # a new month: nothing spent in it yet
    assert world.services.costs.month_spend().spent < 1
    assert budget.check() == []
    assert [n.event for n in world.store.outbox.notices() if n.event.startswith("budget.")] == [
        "budget.exceeded",
        "budget.warning",
    ]  # nothing new told in December


def test_without_a_budget_nothing_is_told(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    world = sql_world(tmp_path, monkeypatch, price_overrides=PRICES)
    trained_and_served(world)
    world.clock.advance(seconds=500 * HOUR)
    assert (
        world.services.budget.check() == [] and world.services.budget.share(world.services.costs.month_spend()) is None
    )


# ---- a model's own idle guard ------------------------------------------------------------------
def test_a_models_own_guard_removes_it_when_the_team_has_none(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    world = sql_world(tmp_path, monkeypatch, auto_remove_grace_hours=1, idle_warn_hours=48)
    guarded = trained_and_served(world, name="guarded")
    left = trained_and_served(world, name="left-alone")
    idle = world.services.idle
    assert idle.guard_hours is None
    changed = idle.set_guard(guarded.id, 3, actor=ADMIN)
    assert changed.idle_guard_hours == 3
    (audit,) = world.services.audit.audit_events(model_id=guarded.id, action="set-idle-guard")
    assert "after 3 h idle" in audit.detail
    world.clock.advance(seconds=2.1 * HOUR)
    warned, removed = idle.guard()
    assert [w.name for w in warned] == ["guarded"] and removed == []  # 3 - 1 h grace: warned at 2 h
    world.clock.advance(seconds=1.0 * HOUR)
    warned, removed = idle.guard()
    assert [r.name for r in removed] == ["guarded"]
    assert world.catalog.get_model(guarded.id).status is Status.RED
    assert world.catalog.get_model(left.id).status is Status.YELLOW  # the team's setting: off


def test_never_keeps_a_models_throughput_whatever_the_team_guard(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = sql_world(tmp_path, monkeypatch, auto_remove_idle_hours=4, auto_remove_grace_hours=1, idle_warn_hours=6)
    kept = trained_and_served(world, name="kept")
    removed_one = trained_and_served(world, name="team-ruled")
    world.services.idle.set_guard(kept.id, 0, actor=ADMIN)
    for _ in range(4):
        world.clock.advance(seconds=2 * HOUR)
        world.services.idle.guard()
    assert world.catalog.get_model(kept.id).status is Status.YELLOW
    assert world.catalog.get_model(removed_one.id).status is Status.RED
    warnings = [n for n in world.store.outbox.notices() if n.event == "throughput.idle" and n.model_id == kept.id]
    assert len(warnings) == 1 and "will be removed" not in warnings[0].detail  # told it is idle, not threatened
    world.services.idle.set_guard(kept.id, None, actor=ADMIN)  # back to the team's: 4 h
    assert world.customization.get(kept.id).idle_guard_hours is None


def test_only_the_owner_or_an_admin_sets_a_models_guard_and_the_hours_are_checked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = sql_world(tmp_path, monkeypatch, auto_remove_grace_hours=2)
    model = world.customization.create(
        NewCustomModel(name="mias-bot", base_model_id=LITE), upload(jsonl()), actor=MEMBER
    )
    with pytest.raises(Forbidden, match="Setting the idle guard of mias-bot: only its owner"):
        world.services.idle.set_guard(model.id, 6, actor=OTHER_MEMBER)
    with pytest.raises(InvalidRequest, match="not more than the 2 h grace"):
        world.services.idle.set_guard(model.id, 1.5, actor=MEMBER)
    with pytest.raises(InvalidRequest, match=r"from 0 \(never remove\) to 8784"):
        world.services.idle.set_guard(model.id, -1, actor=MEMBER)
    assert world.customization.get(model.id).idle_guard_hours is None  # nothing was set
    assert world.services.idle.set_guard(model.id, 6, actor=MEMBER).idle_guard_hours == 6


# ---- idle on-demand deployments ------------------------------------------------------------------
def test_an_idle_on_demand_deployment_is_told_once_and_never_removed(tmp_path: Path) -> None:
    clock = FakeClock()
    settings = load_settings(
        data_dir=tmp_path, aws_regions=["us-east-1", "us-west-2"], auto_remove_idle_hours=4, idle_warn_hours=6
    )
    services = build_services(settings, clock=clock)
    services.start(background=False)  # the catalog filled, as the server starts it
    services.catalog.enable(NOVA_MICRO, actor=LOCAL_ADMIN)
    nova = services.customization.create(
        NewCustomModel(name="nova-bot", base_model_id=NOVA_MICRO), upload(nova_jsonl()), actor=LOCAL_ADMIN
    )
    clock.advance(seconds=61)
    services.customization.refresh(nova.id)
    services.customization.deploy(nova.id, actor=LOCAL_ADMIN)
    clock.advance(seconds=11)
    assert services.customization.refresh(nova.id).deployment_status is DeploymentStatus.ACTIVE
    clock.advance(seconds=7 * HOUR)
    (shown,) = services.idle.idle()
    assert shown.kind == "deployment" and shown.idle_cost == 0.0 and shown.guard_hours is None
    assert shown.idle_hours == pytest.approx(7, abs=0.05)
    warned, removed = services.idle.guard()
    assert [w.kind for w in warned] == ["deployment"] and removed == []
    for _ in range(5):
        clock.advance(seconds=10 * HOUR)
        assert services.idle.guard() == ([], [])  # once per idle stretch; the guard removes throughput only
    assert services.customization.get(nova.id).deployment_status is DeploymentStatus.ACTIVE
    (told,) = [n for n in services.subscriptions.notices_for(LOCAL_ADMIN) if n.event == "deployment.idle"]
    assert "nothing while idle" in told.detail and told.actor_id == "system" and told.model_id == nova.id
