"""Tuning a custom model further on the local backend as `make run` builds it: a completed custom model as the base
(Bedrock's baseModelIdentifier is its ARN, in its region, by supervised fine-tuning), the foundation model's rules,
who may (its owner, an admin, anyone once it is enabled), the lineage on the model and in the API, and "New run from
this one" offering both the same settings and this model's weights."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_api
from services.bootstrap import build_services
from services.customization import NewCustomModel
from services.domain.custom import JobStatus
from services.domain.errors import Forbidden, InvalidData, InvalidRequest, ProviderRejected
from services.domain.identity import LOCAL_ADMIN
from services.settings import load_settings
from tests.support.factories import Served, State, custom_model, jsonl, upload
from tests.support.fakes import MEMBER, FakeClock

TITAN = "bedrock:amazon.titan-text-lite-v1:0:4k"
OTTO = MEMBER.model_copy(update={"id": "otto@example.com", "name": "Otto"})


@pytest.fixture
def local(tmp_path: Path):  # type: ignore[no-untyped-def]
    clock = FakeClock()
    services = build_services(load_settings(data_dir=tmp_path, aws_regions=["us-east-1", "us-west-2"]), clock=clock)
    services.start(background=False)
    services.catalog.enable(TITAN, actor=LOCAL_ADMIN)
    return services, clock


def parent(services, clock, state: State = State.COMPLETED, owner=MEMBER):  # type: ignore[no-untyped-def]
    return custom_model(
        Served(services, clock), state, name="coder", base=TITAN, owner=owner, region="us-west-2",
        hyperparameters={"epochCount": "2"},
    )  # fmt: skip


def further(model_id: str, **more: object) -> NewCustomModel:
    return NewCustomModel(**({"name": "coder-2", "base_model_id": model_id} | more))  # type: ignore[arg-type]


def test_a_completed_model_is_tuned_further_from_its_own_weights_in_its_region(local) -> None:
    services, clock = local
    first = parent(services, clock)
    assert first.region == "us-west-2" and first.custom_model_arn
    second = services.customization.create(further(first.id), upload(jsonl(150, 200)), actor=MEMBER)
    assert second.base_model_id == TITAN and second.parent_model_id == first.id and second.region == "us-west-2"
    assert second.hyperparameters["epochCount"] == "5"  # the foundation model's table and defaults
    job = services.customization.lifecycle._backend("us-west-2").get_job(second.job_arn)
    assert job is not None and job.base_model == first.custom_model_arn  # Bedrock's baseModelIdentifier: the ARN
    clock.advance(seconds=services.settings.sim_job_seconds + 1)
    assert services.customization.refresh(second.id).job_status is JobStatus.COMPLETED
    third = services.customization.create(further(second.id, name="coder-3"), upload(jsonl(130, 500)), actor=MEMBER)
    assert services.customization.lineage(third) == [
        (TITAN, "Titan Text G1 - Lite"), (first.id, "coder"), (second.id, "coder-2"), (third.id, "coder-3"),
    ]  # fmt: skip
    api = TestClient(create_api(lambda: services), client=("127.0.0.1", 50000))
    shown = api.get(f"/custom-models/{third.id}").json()
    assert shown["ParentModelId"] == second.id and shown["BaseModelId"] == TITAN
    assert [m["ModelName"] for m in shown["Lineage"]] == ["Titan Text G1 - Lite", "coder", "coder-2", "coder-3"]
    # New run from this one: the same settings from the model it came from, or from its own weights
    again, training, _ = services.customization.rerun_request(second.id)
    assert again.base_model_id == first.id and training == second.training_uri
    onward, _, _ = services.customization.rerun_request(second.id, further=True)
    assert onward.base_model_id == second.id and onward.customization_type == "FINE_TUNING"
    assert [v.id for v in services.customization.further_choices(MEMBER)] == [first.id, second.id]


def test_what_cannot_be_tuned_further_is_refused_in_the_forms_words_and_nothing_is_created(local) -> None:
    services, clock = local
    running = parent(services, clock, State.TRAINING)
    done = custom_model(
        Served(services, clock), State.COMPLETED, name="done", base=TITAN, owner=MEMBER, region="us-west-2"
    )
    cases = [
        (further(running.id), "Only a completed model can be tuned further; coder's job is InProgress"),
        (further(done.id, customization_type="CONTINUED_PRE_TRAINING"), "by supervised fine-tuning"),
        (further(done.id, region="us-east-1"), "done lives in us-west-2"),
        (further("custom:nothing-here"), "no model with id 'custom:nothing-here'"),
    ]
    before = len(services.customization.list())
    for request, said in cases:
        with pytest.raises((InvalidRequest, InvalidData)) as refused:
            services.customization.create(request, upload(jsonl(150)), actor=MEMBER)
        assert any(said in p for p in refused.value.problems), refused.value.problems
    assert len(services.customization.list()) == before


def test_another_members_model_is_theirs_to_tune_until_an_admin_enables_it(local) -> None:
    services, clock = local
    mine = parent(services, clock, State.IN_SERVICE)
    with pytest.raises(Forbidden, match="only its owner"):
        services.customization.create(further(mine.id), upload(jsonl(150)), actor=OTTO)
    assert services.customization.further_choices(OTTO) == []
    services.catalog.enable(mine.id, actor=LOCAL_ADMIN)  # GREEN: shared with everyone
    made = services.customization.create(further(mine.id), upload(jsonl(150)), actor=OTTO)
    assert made.parent_model_id == mine.id and made.created_by == OTTO.id


def test_the_simulation_refuses_a_custom_model_it_does_not_have_as_bedrock_would(local) -> None:
    services, _ = local
    from services.domain.custom import JobRequest

    backend = services.customization.lifecycle._backend("us-west-2")
    request = JobRequest(
        job_name="j", custom_model_name="m", role_arn="arn:aws:iam::000000000000:role/r", training_uri="s3://b/t",
        validation_uri=None, output_uri="s3://b/o/", hyperparameters={}, client_token="t" * 32,
        base_model_identifier="arn:aws:bedrock:us-west-2:000000000000:custom-model/amazon.titan-text-lite-v1:0:4k/abc",
    )  # fmt: skip
    with pytest.raises(ProviderRejected, match="no completed custom model"):
        backend.create_job(request)
