"""Throughput on a commitment term on the local backend as `make run` builds it: the term's lower rate in the
ledger, more than one model unit allowed, removal refused until the term ends (AWS: "You can't delete a Provisioned
Throughput with commitment before the commitment term is complete") by the one rule, the idle guard leaving it be,
and the term kept when the endpoint serves another model."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.domain.custom import commitment_ends
from services.domain.endpoints import EndpointKind
from services.domain.errors import InvalidRequest, TransitionNotAllowed
from services.domain.identity import LOCAL_ADMIN
from tests.support.factories import Served, State, custom_model, jsonl, local_services
from tests.support.fakes import MEMBER

TITAN = "bedrock:amazon.titan-text-lite-v1:0:4k"


@pytest.fixture
def local(tmp_path: Path):  # type: ignore[no-untyped-def]
    return local_services(tmp_path, TITAN)


def test_a_one_month_term_is_billed_at_its_rate_and_cannot_be_removed_before_it_ends(local) -> None:
    services, clock = local
    model = custom_model(Served(services, clock), State.COMPLETED, name="coder", base=TITAN, data=jsonl(), owner=MEMBER)
    with pytest.raises(InvalidRequest, match="is not one of OneMonth, SixMonths"):
        services.customization.provision_throughput(model.id, 1, actor=MEMBER, commitment="ThreeYears")
    made = services.customization.provision_throughput(model.id, 2, actor=MEMBER, commitment="OneMonth")
    assert made.throughput_commitment == "OneMonth" and made.model_units == 2  # a term may take more units
    clock.advance(seconds=services.settings.sim_throughput_seconds + 1)
    services.customization.refresh(model.id)
    clock.advance(hours=10)
    prices = services.costs.prices_for(TITAN)
    spent = services.costs.costs(model.id)
    assert prices.inference_1_month is not None and prices.inference_1_month.price is not None
    hours = (clock() - made.throughput_since).total_seconds() / 3600  # type: ignore[operator]
    assert spent.throughput == pytest.approx(2 * hours * prices.inference_1_month.price)  # the term's rate
    ends = commitment_ends(made.throughput_since, "OneMonth")  # type: ignore[arg-type]
    with pytest.raises(TransitionNotAllowed, match=f"committed until {ends:%Y-%m-%d %H:%M} UTC"):
        services.customization.remove_throughput(model.id, actor=MEMBER)
    assert services.customization.get(model.id).throughput_status is not None
    clock.advance(seconds=(ends - clock()).total_seconds() + 60)
    removed = services.customization.remove_throughput(model.id, actor=MEMBER)
    assert removed.throughput_status is None and removed.throughput_commitment is None
    history = services.store.custom_models.throughput_history()[model.id]
    assert history[0][3] == "OneMonth"  # the closed hours keep their term: the ledger prices them at its rate


def test_the_idle_guard_leaves_a_committed_throughput_be(local) -> None:
    services, clock = local
    model = custom_model(Served(services, clock), State.COMPLETED, name="coder", base=TITAN, data=jsonl())
    services.customization.provision_throughput(model.id, 1, actor=LOCAL_ADMIN, commitment="SixMonths")
    services.customization.set_idle_guard(services.customization.get(model.id), 1, actor=LOCAL_ADMIN)
    for _ in range(4):
        clock.advance(hours=24)
        services.idle.guard()
    assert services.customization.get(model.id).throughput_status is not None


def test_a_committed_endpoint_moves_with_its_term(local) -> None:
    services, clock = local
    first = custom_model(Served(services, clock), State.COMPLETED, name="coder", base=TITAN, data=jsonl())
    second = custom_model(Served(services, clock), State.COMPLETED, name="coder-2", base=TITAN, data=jsonl(130))
    endpoint, _ = services.endpoints.create(
        EndpointKind.THROUGHPUT, first.id, actor=LOCAL_ADMIN, name="coder-prod", commitment="OneMonth"
    )
    clock.advance(seconds=services.settings.sim_throughput_seconds + 1)
    services.customization.refresh(first.id)
    _, taken = services.endpoints.promote(endpoint.id, second.id, actor=LOCAL_ADMIN)
    assert taken.throughput_commitment == "OneMonth"
    clock.advance(days=1)
    assert services.store.custom_models.throughput_history()[first.id][0][3] == "OneMonth"
