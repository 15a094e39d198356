"""The Models page's incremental copy always equals a fresh full read."""

from __future__ import annotations

import pandas as pd

from services.catalog.service import CatalogService
from services.domain.models import Provider
from tests.support.fakes import ADMIN, FakeCatalogSource, InMemoryCatalogStore, bedrock_model
from ui.catalog_cache import CatalogCache
from ui.components import models_frame


def setup() -> tuple[CatalogService, InMemoryCatalogStore, FakeCatalogSource]:
    store = InMemoryCatalogStore()
    source = FakeCatalogSource(Provider.BEDROCK, [bedrock_model(f"v.m{i:03d}", name=f"M{i:03d}") for i in range(50)])
    service = CatalogService(store, {Provider.BEDROCK: source, Provider.OPENAI: None})
    service.sync([Provider.BEDROCK], actor=ADMIN)
    return service, store, source


def assert_fresh(cache: CatalogCache, service: CatalogService) -> None:
    snap = cache.get(service)
    views = service.list_models()
    assert snap.views == tuple(views)
    pd.testing.assert_frame_equal(snap.frame, models_frame(views))
    assert snap.revision == service.revision()


def test_a_patch_after_enable_equals_a_full_read_and_fetches_only_that_row() -> None:
    service, _store, _ = setup()
    cache = CatalogCache()
    before = cache.get(service)
    service.enable("bedrock:v.m007", actor=ADMIN)
    assert_fresh(cache, service)
    assert before.frame.loc["bedrock:v.m007", "Status"] == "● YELLOW"  # old snapshot untouched
    assert service.changes_since(before.revision).changed[0].id == "bedrock:v.m007"


def test_new_renamed_and_gone_models_are_merged_in_display_order() -> None:
    service, _, source = setup()
    cache = CatalogCache()
    cache.get(service)
    source.models.append(bedrock_model("v.a-new", name="A new one"))
    source.models[3] = source.models[3].model_copy(update={"name": "ZZZ renamed"})
    del source.models[10]
    service.sync([Provider.BEDROCK], actor=ADMIN)
    assert_fresh(cache, service)
    assert cache.get(service).views[0].record.name == "A new one"


def test_a_deleted_row_makes_it_start_again() -> None:
    service, store, _ = setup()
    cache = CatalogCache()
    cache.get(service)
    del store.models["bedrock:v.m001"]  # deletion arrives with custom models
    service.enable("bedrock:v.m002", actor=ADMIN)
    assert_fresh(cache, service)
    assert "bedrock:v.m001" not in {v.id for v in cache.get(service).views}


def test_an_unchanged_revision_returns_the_same_snapshot() -> None:
    service, _, _ = setup()
    cache = CatalogCache()
    assert cache.get(service) is cache.get(service)
