"""One contract for every CatalogStore: the in-memory fake, SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.adapters.sql import SqlDatabase
from services.domain.errors import ConcurrentUpdate
from services.domain.models import Lifecycle, Provider, SyncOutcome, SyncRun
from services.ports import CatalogStore
from tests.support.fakes import InMemoryCatalogStore, bedrock_model, openai_model

NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(params=["memory", "sqlite", "postgresql"])
def store(request: pytest.FixtureRequest) -> CatalogStore:
    if request.param == "memory":
        return InMemoryCatalogStore()
    url = request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "postgres_url")
    return SqlDatabase.from_url(url)


def run_for(provider: Provider, **kw: object) -> SyncRun:
    return SyncRun.model_validate(
        {"provider": provider, "started_at": NOW, "finished_at": NOW, "outcome": SyncOutcome.OK} | kw
    )


def sync(store: CatalogStore, inserts=(), updates=(), gone=(), provider=Provider.BEDROCK, now=NOW):
    store.catalog.apply_sync(
        provider=provider,
        inserts=list(inserts),
        updates=list(updates),
        gone=list(gone),
        run=run_for(provider),
        now=now,
    )


def test_a_new_store_is_empty(store: CatalogStore) -> None:
    assert store.catalog.list_models() == []
    assert store.catalog.get_model("bedrock:nope") is None
    assert store.catalog.last_sync_runs() == {}
    assert store.catalog.revision() == 0


def test_inserted_models_round_trip_every_field(store: CatalogStore) -> None:
    model = bedrock_model(
        "meta.llama3-2-11b-instruct-v1:0:128k",
        name="Llama 3.2 11B Instruct",
        vendor="Meta",
        input_modalities=("TEXT", "IMAGE"),
        customizations=("FINE_TUNING", "DISTILLATION"),
        regions=("us-east-1", "us-west-2"),
        lifecycle=Lifecycle.LEGACY,
        streaming=None,
        chat=True,
    )
    sync(store, inserts=[model, openai_model("gpt-4o")])
    got = store.catalog.get_model(model.key)
    assert got is not None
    assert (
        got.model_dump(
            exclude={
                "id",
                "enabled",
                "available",
                "first_seen",
                "updated_at",
                "unavailable_since",
                "version",
                "model_type",
                "job_status",
                "throughput_status",
                "deployment_status",
                "deployable",
                "serves_itself",
            }
        )
        == model.model_dump()
    )
    assert (got.enabled, got.available, got.version, got.first_seen) == (False, True, 1, NOW)
    assert got.first_seen.tzinfo is not None
    assert [r.id for r in store.catalog.list_models()] == [model.key, "openai:gpt-4o"]
    assert store.catalog.revision() == 1


def test_updates_keep_enabled_and_gone_models_are_disabled(store: CatalogStore) -> None:
    a, b = bedrock_model("a.one"), bedrock_model("b.two")
    sync(store, inserts=[a, b])
    store.catalog.set_enabled([(a.key, 1), (b.key, 1)], True)
    later = NOW + timedelta(hours=1)
    sync(store, updates=[a.model_copy(update={"name": "Renamed"})], gone=[b.key], now=later)
    got_a, got_b = store.catalog.get_model(a.key), store.catalog.get_model(b.key)
    assert got_a is not None and got_b is not None
    assert (got_a.name, got_a.enabled, got_a.available, got_a.updated_at) == ("Renamed", True, True, later)
    assert (got_b.enabled, got_b.available, got_b.unavailable_since) == (False, False, later)
    # it comes back: available again, but stays disabled until an admin enables it
    sync(store, updates=[b], now=later + timedelta(hours=1))
    back = store.catalog.get_model(b.key)
    assert back is not None and back.available and not back.enabled and back.unavailable_since is None


def test_set_enabled_checks_versions_all_or_nothing(store: CatalogStore) -> None:
    a, b = bedrock_model("a.one"), bedrock_model("b.two")
    sync(store, inserts=[a, b])
    assert store.catalog.set_enabled([(a.key, 1)], True) == [a.key]
    with pytest.raises(ConcurrentUpdate):
        store.catalog.set_enabled([(b.key, 1), (a.key, 1)], True)  # a is at version 2 now
    got_b = store.catalog.get_model(b.key)
    assert got_b is not None and not got_b.enabled and got_b.version == 1


def test_base_models_and_get_models_select_by_provider_and_id(store: CatalogStore) -> None:
    sync(store, inserts=[bedrock_model("a.one")])
    sync(store, inserts=[openai_model("gpt-4o")], provider=Provider.OPENAI)
    assert list(store.catalog.base_models(Provider.OPENAI)) == ["openai:gpt-4o"]
    assert {r.id for r in store.catalog.get_models(["bedrock:a.one", "openai:gpt-4o", "x:y"])} == {
        "bedrock:a.one",
        "openai:gpt-4o",
    }


def test_last_sync_runs_are_the_newest_per_provider(store: CatalogStore) -> None:
    store.catalog.record_sync_run(run_for(Provider.OPENAI, outcome=SyncOutcome.FAILED, message="old"))
    store.catalog.record_sync_run(run_for(Provider.OPENAI, outcome=SyncOutcome.OK, message="new", added=("openai:x",)))
    sync(store, inserts=[bedrock_model("a.one")])
    runs = store.catalog.last_sync_runs()
    assert runs[Provider.OPENAI].message == "new"
    assert runs[Provider.OPENAI].added == ("openai:x",)
    assert runs[Provider.BEDROCK].outcome is SyncOutcome.OK


def test_many_models_in_chunks(store: CatalogStore) -> None:
    models = [bedrock_model(f"vendor.model-{i:04d}") for i in range(1_234)]
    sync(store, inserts=models)
    changes = [(m.key, 1) for m in models]
    assert len(store.catalog.set_enabled(changes, True)) == 1_234
    sync(store, gone=[m.key for m in models[:1_100]], now=NOW + timedelta(minutes=1))
    listed = store.catalog.list_models()
    assert sum(r.enabled for r in listed) == 134
    assert sum(not r.available for r in listed) == 1_100


def test_sql_store_migrates_an_existing_database_idempotently(sqlite_url: str) -> None:
    first = SqlDatabase.from_url(sqlite_url)
    sync(first, inserts=[bedrock_model("a.one")])
    second = SqlDatabase.from_url(sqlite_url)  # a restart: migrations run again, data stays
    assert [r.id for r in second.catalog.list_models()] == ["bedrock:a.one"]


def test_changed_since_returns_what_each_write_touched(store: CatalogStore) -> None:
    a, b, c = bedrock_model("a.one"), bedrock_model("b.two"), bedrock_model("c.three")
    sync(store, inserts=[a, b])
    first = store.catalog.revision()
    changed, total = store.catalog.changed_since(0)
    assert {r.id for r in changed} == {a.key, b.key} and total == 2
    assert store.catalog.changed_since(first) == ([], 2)
    store.catalog.set_enabled([(a.key, 1)], True)
    changed, _ = store.catalog.changed_since(first)
    assert [r.id for r in changed] == [a.key] and changed[0].enabled
    second = store.catalog.revision()
    sync(store, inserts=[c], gone=[b.key], now=NOW + timedelta(minutes=5))
    changed, total = store.catalog.changed_since(second)
    assert {r.id for r in changed} == {b.key, c.key} and total == 3
    assert store.catalog.revision() > second


# ---- custom models ------------------------------------------------------------------------------
def custom(name: str = "support-bot", token: str = "tok1", **kw: object):
    from services.domain.custom import CustomModel

    values: dict[str, object] = {
        "id": f"custom:{name}",
        "name": name,
        "base_model_id": "bedrock:a.one",
        "base_model_name": "one",
        "hyperparameters": {"epochCount": "2"},
        "training_uri": "s3://b/train.jsonl",
        "output_uri": "s3://b/out/",
        "training_records": 120,
        "training_tokens": 999,
        "job_name": f"{name}-{token}",
        "client_token": token,
        "created_at": NOW,
        "updated_at": NOW,
    }
    return CustomModel.model_validate(values | kw)


def test_custom_models_round_trip_and_join_the_catalog(store) -> None:
    from services.domain.custom import JobStatus, ThroughputStatus

    sync(store, inserts=[bedrock_model("a.one", vendor="Meta", chat=True)])
    base = store.catalog.get_model("bedrock:a.one")
    model = custom()
    store.custom_models.insert_custom(model, base, "us-west-2")
    assert store.custom_models.get_custom(model.id) == model.model_copy(update={"enabled": False})
    assert store.custom_models.get_custom_by_token("tok1").id == model.id
    row = store.catalog.get_model(model.id)
    assert (row.model_type.value, row.vendor, row.chat, row.regions, row.job_status) == (
        "Custom",
        "Meta",
        True,
        ("us-west-2",),
        "Submitting",
    )
    rev = store.catalog.revision()
    updated = store.custom_models.update_custom(
        model.id,
        1,
        {"job_status": JobStatus.COMPLETED, "throughput_status": ThroughputStatus.IN_SERVICE, "updated_at": NOW},
    )
    assert updated.version == 2 and updated.job_status is JobStatus.COMPLETED
    assert store.catalog.get_model(model.id).throughput_status == "InService"
    assert [r.id for r in store.catalog.changed_since(rev)[0]] == [model.id]
    store.catalog.set_enabled([(model.id, store.catalog.get_model(model.id).version)], True)
    assert store.custom_models.get_custom(model.id).enabled
    off = store.custom_models.update_custom(
        model.id, 2, {"throughput_status": None, "enabled": False, "updated_at": NOW}
    )
    assert not off.enabled and not store.catalog.get_model(model.id).enabled
    with pytest.raises(ConcurrentUpdate):
        store.custom_models.update_custom(model.id, 2, {"description": "stale"})
    assert [m.id for m in store.custom_models.list_custom()] == [model.id]
    with pytest.raises(ConcurrentUpdate):
        store.custom_models.delete_custom(model.id, 1)
    store.custom_models.delete_custom(model.id, 3)
    assert store.custom_models.get_custom(model.id) is None and store.catalog.get_model(model.id) is None


def test_custom_changed_since_gives_the_records_each_write_touched_and_how_many_exist(store) -> None:
    sync(store, inserts=[bedrock_model("a.one", vendor="Meta", chat=True), bedrock_model("a.two")])
    base = store.catalog.get_model("bedrock:a.one")
    first, second = custom("first", "tok1"), custom("second", "tok2")
    store.custom_models.insert_custom(first, base, "us-west-2")
    store.custom_models.insert_custom(second, base, "us-west-2")
    rev = store.catalog.revision()
    assert store.custom_models.custom_changed_since(rev) == ([], 2)
    store.custom_models.update_custom(first.id, 1, {"description": "new", "updated_at": NOW})
    changed, total = store.custom_models.custom_changed_since(rev)
    assert [(m.id, m.description) for m in changed] == [(first.id, "new")] and total == 2
    rev = store.catalog.revision()
    store.catalog.set_enabled([(second.id, store.catalog.get_model(second.id).version)], True)  # the catalog row
    changed, _ = store.custom_models.custom_changed_since(rev)
    assert [(m.id, m.enabled) for m in changed] == [(second.id, True)]
    rev = store.catalog.revision()
    store.catalog.set_enabled([("bedrock:a.two", store.catalog.get_model("bedrock:a.two").version)], True)
    assert store.custom_models.custom_changed_since(rev) == ([], 2)  # a base model's write: no custom record
    store.custom_models.delete_custom(first.id, 2)
    assert store.custom_models.custom_changed_since(store.catalog.revision()) == ([], 1)


def test_names_are_unique_ignoring_case_and_requests_are_unique(store) -> None:
    from services.domain.errors import DuplicateName

    sync(store, inserts=[bedrock_model("a.one", name="Titan Lite")])
    base = store.catalog.get_model("bedrock:a.one")
    store.custom_models.insert_custom(custom(), base, "us-east-1")
    assert (
        store.custom_models.name_taken("SUPPORT-BOT")
        and store.custom_models.name_taken("titan lite")
        and store.custom_models.name_taken("A.ONE")
    )
    assert not store.custom_models.name_taken("other")
    with pytest.raises(DuplicateName):
        store.custom_models.insert_custom(custom("Support-Bot", token="tok2", id="custom:x2"), base, "us-east-1")
    with pytest.raises(DuplicateName):
        store.custom_models.insert_custom(custom("other", token="tok1", id="custom:x3"), base, "us-east-1")
    assert len(store.custom_models.list_custom()) == 1
    assert store.catalog.get_model("custom:x2") is None  # nothing half-created


def test_leases_have_one_owner_until_they_expire(store) -> None:
    assert store.custom_models.try_lease("reconciler", "a", 30, NOW)
    assert store.custom_models.try_lease("reconciler", "a", 30, NOW + timedelta(seconds=10))  # renew
    assert not store.custom_models.try_lease("reconciler", "b", 30, NOW + timedelta(seconds=20))
    assert store.custom_models.try_lease("reconciler", "b", 30, NOW + timedelta(seconds=41))
    assert not store.custom_models.try_lease("reconciler", "a", 30, NOW + timedelta(seconds=42))


def test_refreshed_prices_are_replaced_as_a_whole(store) -> None:
    from services.domain.records import RefreshedPrice

    def price(prefix: str, component: str, value: float) -> RefreshedPrice:
        return RefreshedPrice(
            model_prefix=prefix, component=component, price=value, source="AWS Price List API", fetched_at=NOW
        )

    assert store.prices.refreshed_prices() == []
    store.prices.save_refreshed_prices([price("amazon.titan-text-lite-v1", "training", 0.0005)])
    store.prices.save_refreshed_prices(
        [
            price("cohere.command-text-v14", "storage_month", 1.95),
            price("amazon.titan-text-lite-v1", "training", 0.0006),
        ]
    )
    assert store.prices.refreshed_prices() == [
        price("amazon.titan-text-lite-v1", "training", 0.0006),
        price("cohere.command-text-v14", "storage_month", 1.95),
    ]


@pytest.mark.parametrize("db", ["sqlite", "postgresql"])
def test_text_from_anywhere_is_stored_the_same_on_sqlite_and_postgresql(db: str, request) -> None:
    """A NUL in provider text, or an over-long value, never fails a write (PostgreSQL refuses NUL;
    SQLite takes anything): every text column goes through one rule, services/domain/text.py."""
    from services.domain.records import AuditEvent

    store = SqlDatabase.from_url(request.getfixturevalue("sqlite_url" if db == "sqlite" else "postgres_url"))
    sync(store, inserts=[bedrock_model("a.one")])
    model = custom()
    store.custom_models.insert_custom(model, store.catalog.get_model("bedrock:a.one"), "us-east-1")
    event = AuditEvent(
        at=NOW, actor_id="system", actor_name="x", action="a" * 100, model_id=model.id, model_name="m",
        before=None, after=None, request_id="r" * 200, detail="bad\x00byte",
    )  # fmt: skip
    changed = store.custom_models.update_custom(
        model.id, 1, {"failure_message": "Bedrock said: \x00\x07oops"}, audit=[event]
    )
    assert changed.failure_message == "Bedrock said: \ufffd\ufffdoops"
    [stored] = store.audit.audit_events(model_id=model.id)
    assert stored.detail == "bad\ufffdbyte" and len(stored.request_id) == 64 and len(stored.action) == 64


def test_each_area_s_generation_moves_with_its_writes_and_only_then(store: CatalogStore) -> None:
    """What the gateway keeps in memory (services/domain/generations.py) is read again exactly when its area moved."""
    from services.access.api_tokens import TokenService
    from services.domain.endpoints import Endpoint, EndpointKind
    from services.domain.generations import AREAS, CATALOG, ENDPOINTS, PRICES, TOKENS
    from services.domain.records import SetPrice

    def moved(before: dict[str, int]) -> set[str]:
        after = store.catalog.generations()
        assert all(after[a] >= before[a] for a in AREAS)
        return {a for a in AREAS if after[a] != before[a]}

    start = store.catalog.generations()
    assert set(start) >= set(AREAS) and start[CATALOG] == store.catalog.revision()
    tokens = TokenService(store.tokens, clock=lambda: NOW)
    token_id, _ = tokens.create("a@x.test", "member", "laptop")
    assert moved(start) == {TOKENS}
    before = store.catalog.generations()
    tokens.revoke(token_id)
    assert moved(before) == {TOKENS}
    before = store.catalog.generations()
    store.prices.set_price(SetPrice(model_prefix="amazon.nova-micro-v1:0", region="us-east-1", component="training",
                                    price=0.001, source="test", set_by="admin", set_at=NOW), [])  # fmt: skip
    assert moved(before) == {PRICES}
    before = store.catalog.generations()
    store.prices.save_refreshed_prices([])
    assert moved(before) == {PRICES}
    before = store.catalog.generations()
    endpoint = Endpoint(id="ep-1", name="ep", kind=EndpointKind.ON_DEMAND, region="us-east-1", arn=None,
                        created_by="a", created_at=NOW, updated_at=NOW)  # fmt: skip
    store.endpoints.insert_endpoint(endpoint)
    store.endpoints.update_endpoint("ep-1", 1, arn="arn:aws:bedrock:us-east-1:1:custom-model-deployment/x")
    assert moved(before) == {ENDPOINTS}
    before = store.catalog.generations()
    sync(store, inserts=[bedrock_model("amazon.titan-text-lite-v1:0:4k")])
    assert moved(before) == {CATALOG}
