"""Idle throughput and the idle guard in local mode (the calls Model Studio counted), on a SQL store
so the warning and the removal reach the outbox; CloudWatch's invocations through moto."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from services.adapters.cloudwatch import CloudWatchInvocations
from services.domain.actions import Action
from services.domain.calls import Watched
from services.domain.models import Status
from services.inference.service import ChatMessage, ChatRequest
from tests.support.factories import lite_world, trained_and_served
from tests.support.fakes import ADMIN, World

HOUR = 3600


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> World:
    return lite_world(tmp_path, monkeypatch, auto_remove_idle_hours=4, auto_remove_grace_hours=1)


def test_the_guard_warns_then_removes_idle_throughput_and_leaves_a_called_one_alone(world: World) -> None:
    idle = trained_and_served(world, name="idle-bot")
    busy = trained_and_served(world, name="busy-bot")
    world.catalog.enable(idle.id, actor=ADMIN)
    guard = world.services.idle

    world.clock.advance(seconds=2.5 * HOUR)
    assert guard.guard() == ([], [])  # the warning goes out at 4 - 1 = 3 h idle
    report = {i.name: i for i in guard.idle()}
    assert report["idle-bot"].idle_hours == pytest.approx(2.5, abs=0.05)
    assert report["idle-bot"].idle_cost is None or report["idle-bot"].idle_cost > 0

    ask = ChatRequest(messages=(ChatMessage(role="user", content="What is the code for item 3?"),))
    world.services.inference.chat(busy.id, ask, ADMIN, via=Action.TRY)  # busy-bot is called at 2.5 h
    world.clock.advance(seconds=0.6 * HOUR)
    warned, removed = guard.guard()
    assert [w.name for w in warned] == ["idle-bot"] and removed == []
    assert guard.guard() == ([], [])  # one warning per idle stretch
    (warning,) = [n for n in world.store.outbox.notices() if n.event == "throughput.idle"]
    assert warning.model_id == idle.id and "will be removed after 4 h" in warning.detail

    world.clock.advance(seconds=1.0 * HOUR)  # 4.1 h idle, warned 1 h ago; busy-bot idle 1.6 h only
    warned, removed = guard.guard()
    assert [r.name for r in removed] == ["idle-bot"]
    gone = world.catalog.get_model(idle.id)
    assert gone.status is Status.RED and not gone.record.enabled  # as when a person removes it
    assert world.catalog.get_model(busy.id).status is Status.YELLOW  # invoked in the window: untouched
    (audit,) = world.services.audit.audit_events(model_id=idle.id, action="remove-throughput")
    assert audit.actor_id == "system"
    assert "model.disabled" in [n.event for n in world.store.outbox.notices() if n.model_id == idle.id]


def test_without_the_guard_idle_throughput_is_only_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    world = lite_world(tmp_path, monkeypatch, idle_warn_hours=2)
    model = trained_and_served(world)
    world.clock.advance(seconds=30 * HOUR)
    warned, removed = world.services.idle.guard()
    assert [w.model_id for w in warned] == [model.id] and removed == []
    world.clock.advance(seconds=100 * HOUR)
    assert world.services.idle.guard() == ([], [])
    assert world.catalog.get_model(model.id).status is Status.YELLOW


@mock_aws
def test_cloudwatch_says_when_each_throughput_was_last_invoked() -> None:
    client = boto3.client("cloudwatch", region_name="us-east-1")
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    arn_a = "arn:aws:bedrock:us-east-1:123456789012:provisioned-model/aaaaaaaaaaaa"
    arn_b = "arn:aws:bedrock:us-east-1:123456789012:provisioned-model/bbbbbbbbbbbb"
    for hours_ago, value in ((5, 3.0), (2, 1.0), (1, 0.0)):
        client.put_metric_data(
            Namespace="AWS/Bedrock",
            MetricData=[{"MetricName": "Invocations", "Dimensions": [{"Name": "ModelId", "Value": arn_a}],
                         "Timestamp": now - timedelta(hours=hours_ago), "Value": value}],
        )  # fmt: skip
    found = CloudWatchInvocations(lambda region: client).last_invocations(
        {"throughput:custom:a": Watched("custom:a", arn_a, "us-east-1"),
         "deployment:custom:b": Watched("custom:b", arn_b, "us-east-1")},
        now - timedelta(hours=24),
        now,
    )  # fmt: skip
    assert found["deployment:custom:b"] is None  # never invoked
    latest = found["throughput:custom:a"]
    assert latest is not None and abs(latest - (now - timedelta(hours=2))) < timedelta(hours=1)


def test_throughput_running_longer_than_the_warning_is_told_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = lite_world(tmp_path, monkeypatch, throughput_warn_hours=10)
    model = trained_and_served(world)
    world.clock.advance(seconds=9 * HOUR)
    assert world.services.idle.long_running() == []
    world.clock.advance(seconds=1.1 * HOUR)
    assert [m.id for m in world.services.idle.long_running()] == [model.id]
    world.clock.advance(seconds=5 * HOUR)
    world.services.idle.guard()  # the guard's round tells it too, but only once
    told = [n for n in world.store.outbox.notices() if n.event == "throughput.long_running"]
    assert len(told) == 1 and "more than 10" in told[0].detail and told[0].model_id == model.id
