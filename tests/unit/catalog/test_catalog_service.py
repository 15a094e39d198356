from __future__ import annotations

import pytest

from services.catalog.service import CatalogService, filter_views
from services.domain.errors import ModelNotFound, ProviderDataError, ProviderUnavailable, TransitionNotAllowed
from services.domain.models import Lifecycle, ModelFilter, ModelType, Provider, Status, SyncOutcome
from tests.support.fakes import ADMIN, FakeCatalogSource, FakeClock, InMemoryCatalogStore, bedrock_model, openai_model


@pytest.fixture
def world() -> tuple[CatalogService, InMemoryCatalogStore, FakeCatalogSource, FakeCatalogSource, FakeClock]:
    store = InMemoryCatalogStore()
    bedrock = FakeCatalogSource(
        Provider.BEDROCK,
        [
            bedrock_model("amazon.titan-text-lite-v1:0:4k", name="Titan Text G1 - Lite"),
            bedrock_model("meta.llama2-13b-v1:0:4k", name="Llama 2 13B", lifecycle=Lifecycle.LEGACY),
        ],
    )
    openai = FakeCatalogSource(
        Provider.OPENAI,
        [
            openai_model("gpt-4o"),
            openai_model("text-embedding-3-small", output_modalities=("EMBEDDING",), chat=False),
        ],
    )
    clock = FakeClock()
    service = CatalogService(store, {Provider.BEDROCK: bedrock, Provider.OPENAI: openai}, clock)
    return service, store, bedrock, openai, clock


def test_first_sync_adds_every_model_yellow_and_records_runs(world) -> None:
    service, _store, *_ = world
    report = service.sync(actor=ADMIN)
    assert [r.outcome for r in report.runs] == [SyncOutcome.OK, SyncOutcome.OK]
    assert report.runs[0].added == (
        "bedrock:amazon.titan-text-lite-v1:0:4k",
        "bedrock:meta.llama2-13b-v1:0:4k",
    )
    views = service.list_models()
    assert len(views) == 4
    assert {v.status for v in views} == {Status.YELLOW}
    assert set(service.last_sync_runs()) == {Provider.BEDROCK, Provider.OPENAI}


def test_legacy_models_are_flagged(world) -> None:
    service, *_ = world
    service.sync(actor=ADMIN)
    legacy = service.get_model("bedrock:meta.llama2-13b-v1:0:4k")
    assert "Legacy" in legacy.traits
    assert "Legacy" in legacy.next_action


def test_resync_keeps_enabled_flags_and_reports_changes(world) -> None:
    service, _store, bedrock, _, clock = world
    service.sync(actor=ADMIN)
    service.enable("bedrock:amazon.titan-text-lite-v1:0:4k", actor=ADMIN)
    bedrock.models[0] = bedrock.models[0].model_copy(update={"regions": ("us-east-1", "us-west-2")})
    bedrock.models.append(bedrock_model("amazon.nova-micro-v1:0:128k"))
    clock.advance(hours=1)
    run = service.sync([Provider.BEDROCK], actor=ADMIN).runs[0]
    assert run.added == ("bedrock:amazon.nova-micro-v1:0:128k",)
    assert run.updated == ("bedrock:amazon.titan-text-lite-v1:0:4k",)
    assert run.gone == ()
    lite = service.get_model("bedrock:amazon.titan-text-lite-v1:0:4k")
    assert lite.status is Status.GREEN and lite.record.regions == ("us-east-1", "us-west-2")


def test_an_unchanged_resync_writes_nothing(world) -> None:
    service, store, *_ = world
    service.sync(actor=ADMIN)
    revision = store.catalog.revision()
    run = service.sync([Provider.BEDROCK], actor=ADMIN).runs[0]
    assert (run.added, run.updated, run.gone) == ((), (), ())
    assert store.catalog.revision() == revision


def test_a_model_that_disappears_is_flagged_unavailable_disabled_and_cannot_be_enabled(world) -> None:
    service, _store, _, openai, _ = world
    service.sync(actor=ADMIN)
    service.enable("openai:gpt-4o", actor=ADMIN)
    openai.models = [m for m in openai.models if m.model_id != "gpt-4o"]
    run = service.sync([Provider.OPENAI], actor=ADMIN).runs[0]
    assert run.gone == ("openai:gpt-4o",)
    gone = service.get_model("openai:gpt-4o")
    assert gone.status is Status.RED and not gone.record.enabled and not gone.record.available
    with pytest.raises(TransitionNotAllowed, match="RED"):
        service.enable("openai:gpt-4o", actor=ADMIN)
    # a gone model is not reported gone twice
    assert service.sync([Provider.OPENAI], actor=ADMIN).runs[0].gone == ()


def test_one_provider_failing_does_not_stop_the_other_and_changes_nothing_for_it(world) -> None:
    service, _store, bedrock, openai, _ = world
    service.sync(actor=ADMIN)
    bedrock.models = []  # would make every Bedrock model "gone" if it were applied
    bedrock.error = ProviderUnavailable("ListFoundationModels in us-west-2 failed: AccessDeniedException: no")
    openai.models.append(openai_model("o3"))
    report = service.sync(actor=ADMIN)
    by_provider = {r.provider: r for r in report.runs}
    assert by_provider[Provider.BEDROCK].outcome is SyncOutcome.FAILED
    assert "us-west-2" in by_provider[Provider.BEDROCK].message
    assert "Nothing was changed" in by_provider[Provider.BEDROCK].message
    assert by_provider[Provider.OPENAI].added == ("openai:o3",)
    assert all(v.record.available for v in service.list_models())
    assert report.failed == (by_provider[Provider.BEDROCK],)
    assert service.last_sync_runs()[Provider.BEDROCK].outcome is SyncOutcome.FAILED


def test_malformed_provider_data_changes_nothing(world) -> None:
    service, store, _, openai, _ = world
    service.sync(actor=ADMIN)
    before = store.catalog.list_models()
    openai.error = ProviderDataError("OpenAI, model #3: missing field(s) id.")
    run = service.sync([Provider.OPENAI], actor=ADMIN).runs[0]
    assert run.outcome is SyncOutcome.FAILED and "model #3" in run.message
    assert store.catalog.list_models() == before


def test_a_provider_that_is_not_configured_is_skipped_with_a_reason() -> None:
    store = InMemoryCatalogStore()
    service = CatalogService(store, {Provider.BEDROCK: FakeCatalogSource(Provider.BEDROCK), Provider.OPENAI: None})
    run = service.sync(actor=ADMIN).runs[1]
    assert run.outcome is SyncOutcome.SKIPPED and "STUDIO_OPENAI_API_KEY" in run.message
    assert service.configured_providers() == [Provider.BEDROCK]


def test_enable_and_disable_follow_the_rules(world) -> None:
    service, *_ = world
    service.sync(actor=ADMIN)
    with pytest.raises(TransitionNotAllowed, match="Only GREEN models can be disabled"):
        service.disable("openai:gpt-4o", actor=ADMIN)  # YELLOW
    assert service.enable("openai:gpt-4o", actor=ADMIN).status is Status.GREEN
    with pytest.raises(TransitionNotAllowed, match="already enabled"):
        service.enable("openai:gpt-4o", actor=ADMIN)
    assert service.disable("openai:gpt-4o", actor=ADMIN).status is Status.YELLOW


def test_unknown_ids_are_refused_and_change_nothing(world) -> None:
    service, store, *_ = world
    service.sync(actor=ADMIN)
    revision = store.catalog.revision()
    for action in (service.enable, service.disable):
        with pytest.raises(ModelNotFound, match="bedrock:nope"):
            action("bedrock:nope", actor=ADMIN)
    with pytest.raises(ModelNotFound, match="bedrock:nope"):
        service.get_model("bedrock:nope")
    assert store.catalog.revision() == revision


def test_bulk_changes_the_eligible_and_says_why_it_skipped_the_rest(world) -> None:
    service, *_ = world
    service.sync(actor=ADMIN)
    service.enable("openai:gpt-4o", actor=ADMIN)
    result = service.bulk_set_enabled(
        ["openai:gpt-4o", "openai:text-embedding-3-small", "bedrock:meta.llama2-13b-v1:0:4k", "x:unknown"],
        enabled=True,
        actor=ADMIN,
    )
    assert result.changed == ("openai:text-embedding-3-small", "bedrock:meta.llama2-13b-v1:0:4k")
    assert [mid for mid, _ in result.skipped] == ["openai:gpt-4o", "x:unknown"]
    assert "already enabled" in result.skipped[0][1]
    disabled = service.bulk_set_enabled([v.id for v in service.list_models()], enabled=False, actor=ADMIN)
    assert len(disabled.changed) == 3 and len(disabled.skipped) == 1


def test_require_enabled_guards_the_rest_of_the_platform(world) -> None:
    service, *_ = world
    service.sync(actor=ADMIN)
    with pytest.raises(TransitionNotAllowed, match="not enabled"):
        service.require_enabled("openai:gpt-4o")
    service.enable("openai:gpt-4o", actor=ADMIN)
    assert service.require_enabled("openai:gpt-4o").id == "openai:gpt-4o"


def test_filters_combine(world) -> None:
    service, *_ = world
    service.sync(actor=ADMIN)
    service.enable("openai:gpt-4o", actor=ADMIN)
    views = service.list_models()
    ids = lambda flt: [v.id for v in filter_views(views, flt)]  # noqa: E731
    assert ids(ModelFilter(search="LLAMA")) == ["bedrock:meta.llama2-13b-v1:0:4k"]
    assert ids(ModelFilter(search="titan-text")) == ["bedrock:amazon.titan-text-lite-v1:0:4k"]
    assert ids(ModelFilter(providers=frozenset({Provider.OPENAI}), statuses=frozenset({Status.GREEN}))) == [
        "openai:gpt-4o"
    ]
    assert ids(ModelFilter(traits=frozenset({"Embedding"}))) == ["openai:text-embedding-3-small"]
    assert ids(ModelFilter(traits=frozenset({"Fine-tunable", "Legacy"}))) == ["bedrock:meta.llama2-13b-v1:0:4k"]
    assert ids(ModelFilter(model_types=frozenset({ModelType.CUSTOM}))) == []
    assert set(ids(ModelFilter(vendors=frozenset({"Amazon"})))) == {
        "bedrock:amazon.titan-text-lite-v1:0:4k",
        "bedrock:meta.llama2-13b-v1:0:4k",
    }
    assert service.list_models(ModelFilter(search="gpt")) == [service.get_model("openai:gpt-4o")]


def test_a_red_model_cannot_be_disabled_or_enabled_and_nothing_changes(world) -> None:
    service, store, _, openai, _ = world
    service.sync(actor=ADMIN)
    openai.models = []
    service.sync([Provider.OPENAI], actor=ADMIN)
    revision = store.catalog.revision()
    with pytest.raises(TransitionNotAllowed, match="it is RED, not enabled"):
        service.disable("openai:gpt-4o", actor=ADMIN)
    with pytest.raises(TransitionNotAllowed, match="No longer offered by the provider"):
        service.enable("openai:gpt-4o", actor=ADMIN)
    assert store.catalog.revision() == revision
