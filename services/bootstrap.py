"""The composition root: the only place that chooses and builds adapters."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from services.adapters.local_catalog import BUNDLED_SNAPSHOT, LocalBedrockCatalog, LocalOpenAICatalog
from services.adapters.sql_store import SqlCatalogStore
from services.catalog import CatalogService
from services.costs import CostService
from services.customization import CustomizationConfig, CustomizationService
from services.identity import SYSTEM
from services.metrics import MetricsService
from services.models import Provider
from services.ports import AuditStore, CatalogSource, CustomizationBackend, ObjectStore, PriceListSource
from services.pricing import PRICES_FILE, PriceCatalog, load_price_file, parse_overrides
from services.reconciler import Reconciler
from services.settings import Settings
from services.tokens import TokenService

LOCAL_ROLE_ARN = "arn:aws:iam::000000000000:role/ModelStudioLocal"


@dataclass(frozen=True)
class Services:
    settings: Settings
    catalog: CatalogService
    customization: CustomizationService
    objects: ObjectStore
    metrics: MetricsService
    costs: CostService
    tokens: TokenService
    audit: AuditStore
    reconciler: Reconciler | None = None


def _aws(settings: Settings) -> tuple[dict[Provider, CatalogSource | None], ObjectStore, CustomizationBackend]:
    import boto3
    import openai
    from botocore.config import Config

    from services.adapters.bedrock_catalog import BedrockCatalog
    from services.adapters.bedrock_customization import BedrockCustomization
    from services.adapters.object_store import S3ObjectStore
    from services.adapters.openai_catalog import OpenAICatalog

    config = Config(
        connect_timeout=settings.provider_timeout_seconds,
        read_timeout=settings.provider_timeout_seconds,
        retries={"mode": "adaptive", "max_attempts": 4},
    )
    session = boto3.Session()
    bedrock = BedrockCatalog({r: session.client("bedrock", region_name=r, config=config) for r in settings.aws_regions})
    openai_source: CatalogSource | None = None
    if settings.openai_api_key is not None:
        openai_source = OpenAICatalog(
            openai.OpenAI(
                api_key=settings.openai_api_key.get_secret_value(),
                base_url=settings.openai_base_url,
                timeout=settings.provider_timeout_seconds,
                max_retries=2,
            )
        )
    objects = S3ObjectStore(session.client("s3", region_name=settings.job_region, config=config))
    backend = BedrockCustomization(session.client("bedrock", region_name=settings.job_region, config=config))
    return {Provider.BEDROCK: bedrock, Provider.OPENAI: openai_source}, objects, backend


def _local(settings: Settings) -> tuple[dict[Provider, CatalogSource | None], ObjectStore, CustomizationBackend]:
    from services.adapters.local_bedrock import LocalBedrock
    from services.adapters.object_store import LocalObjectStore

    snapshot = settings.catalog_snapshot or BUNDLED_SNAPSHOT
    objects = LocalObjectStore(settings.data_dir)
    objects.clean_stale_uploads()  # what a process killed mid-upload left behind
    backend = LocalBedrock(
        settings.data_dir / "local-bedrock",
        objects,
        region=settings.job_region,
        job_seconds=settings.sim_job_seconds,
        throughput_seconds=settings.sim_throughput_seconds,
    )
    sources: dict[Provider, CatalogSource | None] = {
        Provider.BEDROCK: LocalBedrockCatalog(snapshot, settings.aws_regions),
        Provider.OPENAI: LocalOpenAICatalog(snapshot),
    }
    return sources, objects, backend


def _price_list() -> PriceListSource:
    import boto3

    from services.adapters.aws_price_list import AwsPriceList

    return AwsPriceList(boto3.Session().client("pricing", region_name="us-east-1"))  # the API's home region


def build_services(settings: Settings, *, start_reconciler: bool = False, **overrides: Any) -> Services:
    store = SqlCatalogStore.from_url(settings.resolved_database_url)
    sources, objects, backend = _local(settings) if settings.backend == "local" else _aws(settings)
    objects = overrides.get("objects", objects)
    backend = overrides.get("backend", backend)
    catalog = CatalogService(store, sources)
    role = settings.customization_role_arn or (LOCAL_ROLE_ARN if settings.backend == "local" else None)
    customization = CustomizationService(
        catalog=store,
        store=store,
        objects=objects,
        backend=backend,
        config=CustomizationConfig(
            output_root=settings.output_root,
            role_arn=role,
            region=settings.job_region,
            max_model_units=settings.no_commit_max_model_units,
            submit_grace_seconds=settings.submit_grace_seconds,
            allowed_buckets=frozenset(settings.allowed_buckets) | {settings.s3_bucket},
        ),
    )
    if settings.backend == "local" and store.revision() == 0 and not store.last_sync_runs():
        catalog.sync(actor=SYSTEM)  # first start of the embedded backend: fill the table from the snapshot
    reconciler = Reconciler(customization, store, settings.reconcile_seconds)
    if start_reconciler:
        reconciler.start()
    return Services(
        settings=settings,
        catalog=catalog,
        customization=customization,
        objects=objects,
        metrics=MetricsService(store, objects),
        costs=CostService(
            store,
            store,
            PriceCatalog(
                load_price_file(settings.prices_file or PRICES_FILE), parse_overrides(settings.price_overrides)
            ),
            settings.job_region,
            settings.throughput_warn_hours,
        ),
        tokens=TokenService(store),
        audit=store,
        reconciler=reconciler,
    )


_shared: Services | None = None
_shared_lock = __import__("threading").Lock()


def shared_services() -> Services:
    """The process's one Services, shared by the UI and the REST API (built on first use)."""
    global _shared
    with _shared_lock:
        if _shared is None:
            from services.settings import load_settings

            _shared = build_services(load_settings(), start_reconciler=True)
        return _shared


def reset_shared_services() -> None:
    """Forget the shared instance (tests; a settings change needs a restart otherwise)."""
    global _shared
    with _shared_lock:
        if _shared is not None and _shared.reconciler is not None:
            _shared.reconciler.stop()
        _shared = None
