"""The composition root: the only place that chooses and builds adapters."""

from __future__ import annotations

from dataclasses import dataclass

from services.adapters.local_catalog import BUNDLED_SNAPSHOT, LocalBedrockCatalog, LocalOpenAICatalog
from services.adapters.sql_store import SqlCatalogStore
from services.catalog import CatalogService
from services.models import Provider
from services.ports import CatalogSource
from services.settings import Settings


@dataclass(frozen=True)
class Services:
    settings: Settings
    catalog: CatalogService


def _aws_sources(settings: Settings) -> dict[Provider, CatalogSource | None]:
    import boto3
    import openai
    from botocore.config import Config

    from services.adapters.bedrock_catalog import BedrockCatalog
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
    return {Provider.BEDROCK: bedrock, Provider.OPENAI: openai_source}


def build_services(settings: Settings) -> Services:
    store = SqlCatalogStore.from_url(settings.resolved_database_url)
    if settings.backend == "local":
        snapshot = settings.catalog_snapshot or BUNDLED_SNAPSHOT
        sources: dict[Provider, CatalogSource | None] = {
            Provider.BEDROCK: LocalBedrockCatalog(snapshot, settings.aws_regions),
            Provider.OPENAI: LocalOpenAICatalog(snapshot),
        }
    else:
        sources = _aws_sources(settings)
    catalog = CatalogService(store, sources)
    if settings.backend == "local" and store.revision() == 0 and not store.last_sync_runs():
        catalog.sync()  # first start of the embedded backend: fill the table from the snapshot
    return Services(settings=settings, catalog=catalog)
