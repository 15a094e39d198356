"""Endpoints on the local backend as `make run` builds it: an on-demand deployment and a throughput as things of
their own, promoted from one custom model to another of the same base behind the same ARN and rolled back, the
lights following (the model left loses that way to serve, and stays enabled only if another way serves it), the
history kept, who may, and what cannot be promoted, refused in words with nothing changed."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.domain.custom import DeploymentStatus, ThroughputStatus
from services.domain.endpoints import EndpointKind
from services.domain.errors import Forbidden, TransitionNotAllowed
from services.domain.identity import LOCAL_ADMIN
from services.domain.models import Status
from tests.support.factories import NOVA_MICRO, Served, State, custom_model, jsonl, local_services, nova_jsonl
from tests.support.fakes import MEMBER

TITAN = "bedrock:amazon.titan-text-lite-v1:0:4k"
OTTO = MEMBER.model_copy(update={"id": "otto@example.com", "name": "Otto"})


@pytest.fixture
def local(tmp_path: Path):  # type: ignore[no-untyped-def]
    return local_services(tmp_path, aws_regions=["us-east-1", "us-west-2"])


def nova(services, clock, name: str, state: State = State.COMPLETED, owner=MEMBER):  # type: ignore[no-untyped-def]
    return custom_model(Served(services, clock), state, name=name, base=NOVA_MICRO, data=nova_jsonl(), owner=owner)


def light(services, model_id: str) -> Status:  # type: ignore[no-untyped-def]
    return services.catalog.get_model(model_id).status


def test_an_on_demand_endpoint_is_promoted_and_rolled_back_behind_the_same_arn(local) -> None:
    services, clock = local
    run6 = nova(services, clock, "bot-6", State.DEPLOYED)
    services.catalog.enable(run6.id, actor=LOCAL_ADMIN)
    run7 = nova(services, clock, "bot-7")
    [(endpoint, serving)] = services.endpoints.endpoints()  # the deployment made on run 6's page is an endpoint
    assert endpoint.kind is EndpointKind.ON_DEMAND and serving is not None and serving.id == run6.id
    arn = endpoint.arn
    assert arn and [e.action for e in endpoint.history] == ["create"]
    promoted, now_serving = services.endpoints.promote(endpoint.id, run7.id, actor=MEMBER)
    assert promoted.arn == arn and now_serving.id == run7.id  # the ARN callers keep
    assert now_serving.deployment_arn == arn and now_serving.deployment_status is DeploymentStatus.ACTIVE
    left = services.customization.get(run6.id)
    assert left.deployment_status is None and not left.enabled  # it lost its only way to serve
    assert light(services, run6.id) is Status.RED and light(services, run7.id) is Status.YELLOW
    assert [(e.action, e.model_id) for e in promoted.history] == [("create", run6.id), ("promote", run7.id)]
    rolled, again = services.endpoints.rollback(endpoint.id, actor=MEMBER)
    assert rolled.arn == arn and again.id == run6.id and light(services, run7.id) is Status.RED
    assert [e.action for e in rolled.history] == ["create", "promote", "rollback"]
    assert services.endpoints.get(endpoint.id)[1].id == run6.id  # type: ignore[union-attr]
    backend = services.customization.lifecycle._backend("us-east-1")
    assert backend.get_deployment(arn) is not None  # one deployment all along
    actions = [e.action for e in services.audit.audit_events(model_id=run7.id)]
    assert "promote" in actions and "rollback" in actions


def test_a_throughput_endpoint_moves_with_its_cost_interval_and_an_enabled_model_stays_enabled_if_still_served(
    local,
) -> None:
    services, clock = local
    services.catalog.enable(TITAN, actor=LOCAL_ADMIN)
    first = custom_model(
        Served(services, clock), State.ENABLED, name="coder", base=TITAN, data=jsonl(), owner=MEMBER, region="us-west-2"
    )
    second = custom_model(
        Served(services, clock), State.COMPLETED, name="coder-2", base=TITAN, data=jsonl(130), owner=MEMBER,
        region="us-west-2",
    )  # fmt: skip
    [(endpoint, _)] = services.endpoints.endpoints()
    assert endpoint.kind is EndpointKind.THROUGHPUT
    _, taken = services.endpoints.promote(endpoint.id, second.id, actor=MEMBER)
    assert taken.throughput_status is ThroughputStatus.UPDATING and taken.throughput_arn == endpoint.arn
    clock.advance(seconds=services.settings.sim_throughput_seconds + 1)
    assert services.customization.refresh(second.id).throughput_status is ThroughputStatus.IN_SERVICE
    left = services.customization.get(first.id)
    assert left.throughput_status is None and not left.enabled
    spent = services.costs.costs(first.id)
    assert "1 interval" in spent.throughput_note or "hour" in spent.throughput_note, spent  # its hours until the move


def test_what_cannot_be_promoted_is_refused_in_words_and_nothing_changes(local) -> None:
    services, clock = local
    services.catalog.enable(TITAN, actor=LOCAL_ADMIN)
    run6 = nova(services, clock, "bot-6", State.DEPLOYED)
    served = nova(services, clock, "bot-served", State.DEPLOYED)
    other_base = custom_model(Served(services, clock), State.COMPLETED, name="titan-bot", base=TITAN, owner=MEMBER)
    running = nova(services, clock, "bot-run", State.TRAINING)  # last: the clock has not moved past its job
    endpoint = next(e for e, m in services.endpoints.endpoints() if m and m.id == run6.id)
    before = services.endpoints.get(endpoint.id)
    for model, said in (
        (run6, "is the model"),
        (running, "its job is InProgress, not Completed"),
        (served, "has an on-demand deployment of its own"),
        (other_base, "serves custom models of Nova Micro only"),
    ):
        with pytest.raises(TransitionNotAllowed, match=said):
            services.endpoints.promote(endpoint.id, model.id, actor=MEMBER)
    with pytest.raises(TransitionNotAllowed, match="no other model to roll back to"):
        services.endpoints.rollback(endpoint.id, actor=MEMBER)
    assert services.endpoints.get(endpoint.id) == before


def test_only_whoever_may_change_both_models_promotes(local) -> None:
    services, clock = local
    mine = nova(services, clock, "bot-6", State.DEPLOYED)
    theirs = nova(services, clock, "otto-bot", owner=OTTO)
    endpoint = next(e for e, m in services.endpoints.endpoints() if m and m.id == mine.id)
    with pytest.raises(Forbidden, match="only its owner"):
        services.endpoints.promote(endpoint.id, theirs.id, actor=OTTO)  # Otto may not take Mia's endpoint
    with pytest.raises(Forbidden, match="only its owner"):
        services.endpoints.promote(endpoint.id, theirs.id, actor=MEMBER)  # nor Mia serve Otto's model
    services.endpoints.promote(endpoint.id, theirs.id, actor=LOCAL_ADMIN)  # an admin may


def test_an_endpoint_made_as_such_has_its_name_and_is_deleted_with_its_history_kept(local) -> None:
    services, clock = local
    model = nova(services, clock, "bot-6")
    endpoint, served = services.endpoints.create(EndpointKind.ON_DEMAND, model.id, actor=MEMBER, name="support-prod")
    assert endpoint.name == "support-prod" and served is not None and served.deployment_name == "support-prod"
    clock.advance(seconds=services.settings.sim_throughput_seconds + 1)
    deleted = services.endpoints.delete(endpoint.id, actor=MEMBER)
    assert deleted.deleted_at is not None and [e.action for e in deleted.history] == ["create", "delete"]
    assert services.endpoints.endpoints() == [] and services.customization.get(model.id).deployment_status is None


def test_a_candidate_is_evaluated_against_the_model_an_endpoint_serves_before_promoting(local) -> None:
    from services.domain.errors import InvalidRequest
    from services.evaluation.records import NewEvaluation

    services, clock = local
    services.catalog.enable(TITAN, actor=LOCAL_ADMIN)
    data = jsonl(60, prompt="What is the code for item {i}?", completion="Item {i} has code C{i}.")
    served = custom_model(Served(services, clock), State.ENABLED, name="coder", base=TITAN, data=data)
    better = custom_model(Served(services, clock), State.IN_SERVICE, name="coder-2", base=TITAN, data=data)
    other = nova(services, clock, "nova-bot", State.COMPLETED, owner=LOCAL_ADMIN)
    evaluation = services.evaluations.start(
        NewEvaluation(custom_model_id=better.id, against_model_id=served.id, dataset_uri=better.training_uri,
                      metrics=("exact_match",)),
        actor=LOCAL_ADMIN,
    )  # fmt: skip
    assert evaluation.base_model_id == served.id and evaluation.base_name == "coder"
    (done,) = services.evaluation_runner.run_once()
    assert done.summary["Metrics"]["exact_match"]["Base"] == 1.0  # the model served now knows the answers too
    for against, said in ((better.id, "compared with itself"), (other.id, "is a custom model of Nova Micro")):
        with pytest.raises(InvalidRequest, match=said):
            services.evaluations.start(
                NewEvaluation(custom_model_id=better.id, against_model_id=against, dataset_uri=better.training_uri),
                actor=LOCAL_ADMIN,
            )
