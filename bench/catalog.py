"""Catalog benchmark: 10,000 stored models. Prints figures; asserts nothing.

(a) one Models page run in AppTest      vs  the table rebuilt from the database every run
    (also: a run right after a write, when our revision-keyed cache must rebuild too)
(b) a filter change (search box)         vs  the same on the rebuilt-every-run page
(c) a sync that upserts 2,000 changed models (bulk diff + executemany)
                                         vs  per-row ORM upserts (session.get + merge per model)

Run: make bench   (or .venv/bin/python bench/catalog.py [--models 10000] [--repeat 7])
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy.orm import Session, registry  # noqa: E402
from streamlit.testing.v1 import AppTest  # noqa: E402

from services.adapters.sql import SqlDatabase  # noqa: E402
from services.adapters.sql_tables import models as models_table  # noqa: E402
from services.catalog.service import CatalogService  # noqa: E402
from services.domain.identity import SYSTEM  # noqa: E402
from services.domain.models import Lifecycle, Provider, ProviderModel, SyncOutcome, SyncRun  # noqa: E402

TARGETS = {"page": 0.300, "filter": 0.100, "sync": 1.0}


def synthetic_models(n: int, generation: int = 0, changed: int = 0) -> list[ProviderModel]:
    vendors = ["Amazon", "Anthropic", "Meta", "Cohere", "Mistral AI", "AI21 Labs"]
    out = []
    for i in range(n):
        bumped = i < changed
        out.append(
            ProviderModel(
                provider=Provider.BEDROCK,
                model_id=f"{vendors[i % 6].lower().replace(' ', '')}.model-{i:05d}-v1:0",
                name=f"Model {i:05d}" + (f" r{generation}" if bumped else ""),
                vendor=vendors[i % 6],
                arn=f"arn:aws:bedrock:us-east-1::foundation-model/model-{i:05d}",
                input_modalities=("TEXT", "IMAGE") if i % 3 == 0 else ("TEXT",),
                output_modalities=("EMBEDDING",) if i % 7 == 0 else ("TEXT",),
                customizations=("FINE_TUNING",) if i % 4 == 0 else (),
                inference_types=("ON_DEMAND",) if i % 2 else ("PROVISIONED",),
                streaming=i % 7 != 0,
                chat=i % 7 != 0,
                lifecycle=Lifecycle.LEGACY if i % 50 == 0 else Lifecycle.ACTIVE,
                regions=("us-east-1", "us-west-2") if i % 2 else ("us-east-1",),
            )
        )
    return out


class ListSource:
    provider = Provider.BEDROCK

    def __init__(self, models: list[ProviderModel]) -> None:
        self.models = models

    def fetch(self) -> list[ProviderModel]:
        return self.models


def timed(fn: Callable[[], object], repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def fmt(seconds: list[float]) -> str:
    return f"median {statistics.median(seconds) * 1000:8.1f} ms   min {min(seconds) * 1000:8.1f} ms"


def seed(url: str, n: int) -> SqlDatabase:
    store = SqlDatabase.from_url(url)
    CatalogService(store.catalog, {Provider.BEDROCK: ListSource(synthetic_models(n))}).sync(
        [Provider.BEDROCK], actor=SYSTEM
    )
    return store


# ---- (a) + (b): page runs ----------------------------------------------------------------------
def page_bench(script: str, repeat: int) -> tuple[float, list[float], list[float], list[float]]:
    import streamlit as st

    from ui import deps

    st.cache_resource.clear()
    at = AppTest.from_file(script, default_timeout=120)
    start = time.perf_counter()
    at.run()
    cold = time.perf_counter() - start
    if at.exception:  # said, not asserted: a benchmark reports what it saw
        print(f"    (the page raised: {at.exception})")
    warm = timed(lambda: at.run(), repeat)
    terms = [f"model-{i:02d}" for i in range(repeat)]
    filt = []
    for term in terms:
        box = at.text_input(key="models_search").set_value(term)
        start = time.perf_counter()
        box.run()
        filt.append(time.perf_counter() - start)
    # a run right after a write elsewhere (another user enabled a model): the catalog is rebuilt
    catalog = deps.get_services().catalog
    target = catalog.list_models()[0].id
    after_write = []
    for _ in range(repeat):
        if catalog.get_model(target).record.enabled:
            catalog.disable(target, actor=SYSTEM)
        else:
            catalog.enable(target, actor=SYSTEM)
        start = time.perf_counter()
        at.run()
        after_write.append(time.perf_counter() - start)
    return cold, warm, filt, after_write


# ---- (c): sync ----------------------------------------------------------------------------------
def naive_sync(store: SqlDatabase, fetched: list[ProviderModel]) -> None:
    """Per-row ORM upserts: look each model up, then add or update it, one by one."""

    class Row:
        pass

    reg = registry()
    reg.map_imperatively(Row, models_table)
    now = datetime.now(UTC)
    try:
        with Session(store.engine) as session:
            for m in fetched:
                row = session.get(Row, m.key)
                values = {
                    "name": m.name,
                    "vendor": m.vendor,
                    "arn": m.arn,
                    "input_modalities": m.input_modalities,
                    "output_modalities": m.output_modalities,
                    "customizations": m.customizations,
                    "inference_types": m.inference_types,
                    "regions": m.regions,
                    "streaming": m.streaming,
                    "chat": m.chat,
                    "lifecycle": m.lifecycle.value,
                    "provider_created": m.provider_created,
                    "available": True,
                    "updated_at": now,
                }
                if row is None:
                    row = Row()
                    first: dict[str, object] = {
                        "id": m.key,
                        "provider": m.provider.value,
                        "model_id": m.model_id,
                        "model_type": "Base",
                        "enabled": False,
                        "first_seen": now,
                        "version": 1,
                        "unavailable_since": None,
                    }
                    for key, value in first.items():
                        setattr(row, key, value)
                    session.add(row)
                for key, value in values.items():
                    setattr(row, key, value)
                session.merge(row)
                session.flush()
            session.commit()
            store.catalog.record_sync_run(
                SyncRun(provider=Provider.BEDROCK, started_at=now, finished_at=now, outcome=SyncOutcome.OK)
            )
    finally:
        reg.dispose()


def sync_bench(workdir: Path, n: int, changed: int, repeat: int) -> tuple[list[float], list[float], int]:
    ours, naive = [], []
    updated = 0
    for r in range(repeat):
        a = seed(f"sqlite:///{workdir / f'sync-ours-{r}.db'}", n)
        fetched = synthetic_models(n, generation=r + 1, changed=changed)
        service = CatalogService(a.catalog, {Provider.BEDROCK: ListSource(fetched)})
        start = time.perf_counter()
        report = service.sync([Provider.BEDROCK], actor=SYSTEM)
        ours.append(time.perf_counter() - start)
        updated = len(report.runs[0].updated)
        b = seed(f"sqlite:///{workdir / f'sync-naive-{r}.db'}", n)
        start = time.perf_counter()
        naive_sync(b, fetched)
        naive.append(time.perf_counter() - start)
        a.engine.dispose()
        b.engine.dispose()
    return ours, naive, updated


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", type=int, default=10_000)
    parser.add_argument("--changed", type=int, default=2_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--quick", action="store_true", help="a small run that only shows the benchmark works")
    args = parser.parse_args()
    if args.quick:
        args.models, args.changed, args.repeat = 300, 50, 2
    args.models = max(args.models, 1)
    args.changed = min(max(args.changed, 0), args.models)  # no more changed models than there are
    os.chdir(ROOT)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        os.environ["STUDIO_DATA_DIR"] = str(work / "data")
        seed(f"sqlite:///{(work / 'data' / 'studio.db').as_posix()}", args.models).engine.dispose()

        cold, warm, filt, write = page_bench(str(ROOT / "app.py"), args.repeat)
        n_cold, n_warm, n_filt, n_write = page_bench(str(ROOT / "bench" / "naive_models_page.py"), args.repeat)
        ours, naive, updated = sync_bench(work, args.models, args.changed, max(3, args.repeat // 2))

    print(f"Catalog benchmark: {args.models:,} models stored (SQLite), Python {sys.version.split()[0]}")
    print()
    print("(a) Models page run in AppTest")
    print(f"    first run (cold caches)   ours  {cold * 1000:8.1f} ms   naive {n_cold * 1000:8.1f} ms")
    print(f"    later runs                ours  {fmt(warm)}")
    print(f"                              naive {fmt(n_warm)}")
    print("(b) Filter change (search box)")
    print(f"                              ours  {fmt(filt)}")
    print(f"                              naive {fmt(n_filt)}")
    print("    run right after a write elsewhere (ours patches the changed rows; naive rebuilds)")
    print(f"                              ours  {fmt(write)}")
    print(f"                              naive {fmt(n_write)}")
    print(f"(c) Sync with {updated:,} changed models of {args.models:,}")
    print(f"                              ours  {fmt(ours)}")
    print(f"                              naive {fmt(naive)}   (per-row ORM upserts)")
    print()
    checks = [
        ("page run", statistics.median(warm), TARGETS["page"]),
        ("filter change", statistics.median(filt), TARGETS["filter"]),
        (f"{updated:,}-model sync", statistics.median(ours), TARGETS["sync"]),
    ]
    for name, value, target in checks:
        verdict = "meets" if value < target else "MISSES"
        print(f"    {name:18s} {value * 1000:8.1f} ms  {verdict} target < {target * 1000:.0f} ms")


if __name__ == "__main__":
    main()
