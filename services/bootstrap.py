"""The composition root: the only place that chooses and builds adapters."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from services.access.api_tokens import TokenService
from services.access.audit import AuditService
from services.access.signin import Identities
from services.adapters.local_catalog import BUNDLED_SNAPSHOT, LocalBedrockCatalog, LocalOpenAICatalog
from services.adapters.sql import SqlCatalogStore
from services.catalog.service import CatalogService
from services.costs.budget import BudgetWatch
from services.costs.idle import CountedCalls, IdleService, InvocationSource
from services.costs.ledger import CostService
from services.costs.pricing import PRICES_FILE, PriceCatalog, load_price_file, parse_overrides
from services.customization import CustomizationConfig, CustomizationService
from services.customization.metrics import MetricsService
from services.customization.reconciler import Reconciler
from services.domain.identity import SYSTEM
from services.domain.models import Provider
from services.evaluation.runner import EvaluationRunner
from services.evaluation.service import EvaluationService
from services.inference.service import InferenceService
from services.notices.dispatch import Dispatcher
from services.notices.subscriptions import Subscriptions
from services.ports import (
    AuditStore,
    CatalogSource,
    CatalogStore,
    CustomizationBackend,
    CustomModelStore,
    EvaluationStore,
    InferenceBackend,
    NoticeStore,
    ObjectStore,
    PriceListSource,
    PriceStore,
    TokenStore,
    UsageStore,
)
from services.settings import Settings

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
    audit: AuditService
    identities: Identities
    inference: InferenceService
    evaluations: EvaluationService
    dispatcher: Dispatcher
    subscriptions: Subscriptions
    budget: BudgetWatch
    idle: IdleService
    reconciler: Reconciler | None = None
    evaluation_runner: EvaluationRunner | None = None
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))  # what "now" is for every page


class Store(
    CatalogStore,
    CustomModelStore,
    AuditStore,
    TokenStore,
    PriceStore,
    UsageStore,
    EvaluationStore,
    NoticeStore,
    Protocol,
):
    """Every store port at once: SqlCatalogStore, or a fake in tests."""


Sources = Mapping[Provider, CatalogSource | None]
Backends = Mapping[str, CustomizationBackend]


def _aws_config(settings: Settings) -> Any:
    from botocore.config import Config

    return Config(
        connect_timeout=settings.provider_timeout_seconds,
        read_timeout=settings.provider_timeout_seconds,
        retries={"mode": "adaptive", "max_attempts": 4},
    )


def _aws_inference(settings: Settings, session: Any) -> dict[Provider, InferenceBackend]:
    """Bedrock Runtime per region (a base model is called in the jobs' region), OpenAI with a key."""
    import openai

    from services.adapters.bedrock_runtime import BedrockRuntime, OpenAIChat

    config = _aws_config(settings)
    runtimes = {r: session.client("bedrock-runtime", region_name=r, config=config) for r in settings.aws_regions}
    backends: dict[Provider, InferenceBackend] = {
        Provider.BEDROCK: BedrockRuntime(lambda region: runtimes[region or settings.job_region])
    }
    if settings.openai_api_key is not None:
        backends[Provider.OPENAI] = OpenAIChat(
            openai.OpenAI(
                api_key=settings.openai_api_key.get_secret_value(),
                base_url=settings.openai_base_url,
                timeout=settings.provider_timeout_seconds,
                max_retries=2,
            )
        )
    return backends


def _local_inference(settings: Settings, objects: ObjectStore) -> InferenceBackend:
    """The simulation, or a local OpenAI-compatible server (STUDIO_LOCAL_INFERENCE_URL) for real answers."""
    if settings.local_inference_url is None:
        from services.adapters.local_inference import LocalInference

        return LocalInference(objects, delay_seconds=settings.sim_inference_seconds)
    import openai

    from services.adapters.bedrock_runtime import OpenAIChat

    client = openai.OpenAI(
        api_key="local", base_url=settings.local_inference_url, timeout=settings.provider_timeout_seconds, max_retries=0
    )
    return OpenAIChat(client, settings.local_inference_model)


def _aws(settings: Settings, session: Any) -> tuple[Sources, ObjectStore, Backends, PriceListSource]:
    import openai

    from services.adapters.aws_price_list import AwsPriceList
    from services.adapters.bedrock_catalog import BedrockCatalog
    from services.adapters.bedrock_customization import BedrockCustomization
    from services.adapters.object_store import S3ObjectStore
    from services.adapters.openai_catalog import OpenAICatalog

    config = _aws_config(settings)
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
    backend = {  # one client per region: a job and everything about it is addressed in its region
        r: BedrockCustomization(session.client("bedrock", region_name=r, config=config)) for r in settings.aws_regions
    }
    prices = AwsPriceList(session.client("pricing", region_name="us-east-1", config=config))  # the API's home
    return {Provider.BEDROCK: bedrock, Provider.OPENAI: openai_source}, objects, backend, prices


def _local(
    settings: Settings, objects: ObjectStore | None, clock: Callable[[], datetime]
) -> tuple[Sources, ObjectStore, Backends]:
    from services.adapters.local_bedrock import LocalBedrock
    from services.adapters.object_store import LocalObjectStore

    snapshot = settings.catalog_snapshot or BUNDLED_SNAPSHOT
    if objects is None:
        local = LocalObjectStore(settings.data_dir)
        local.clean_stale_uploads()  # what a process killed mid-upload left behind
        objects = local
    backend: Backends = {  # one control plane per region, sharing its state (names are unique)
        region: LocalBedrock(
            settings.data_dir / "local-bedrock",
            objects,
            region=region,
            job_seconds=settings.sim_job_seconds,
            throughput_seconds=settings.sim_throughput_seconds,
            clock=lambda: clock().timestamp(),  # the simulation runs on the services' clock
        )
        for region in settings.aws_regions
    }
    sources: dict[Provider, CatalogSource | None] = {
        Provider.BEDROCK: LocalBedrockCatalog(snapshot, settings.aws_regions),
        Provider.OPENAI: LocalOpenAICatalog(snapshot),
    }
    return sources, objects, backend


def _snapshot_sources(settings: Settings) -> Sources:
    snapshot = settings.catalog_snapshot or BUNDLED_SNAPSHOT
    return {
        Provider.BEDROCK: LocalBedrockCatalog(snapshot, settings.aws_regions),
        Provider.OPENAI: LocalOpenAICatalog(snapshot),
    }


def _cloudwatch(settings: Settings, session: Any) -> InvocationSource:
    from services.adapters.cloudwatch import CloudWatchInvocations

    config = _aws_config(settings)
    clients = {r: session.client("cloudwatch", region_name=r, config=config) for r in settings.aws_regions}
    return CloudWatchInvocations(lambda region: clients.get(region) or clients[settings.job_region])


def _dispatcher(settings: Settings, db: Store, subscriptions: Subscriptions) -> Dispatcher:
    """Notices to the webhooks and, with SMTP set, by e-mail to a model's owner and the admins."""
    from services.adapters.notify import EmailSender, WebhookSender

    secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret is not None else None
    webhook = WebhookSender(secret, settings.public_url) if settings.webhook_urls else None
    email = EmailSender(settings.smtp_url, settings.notify_from, settings.public_url) if settings.smtp_url else None
    return Dispatcher(
        db,
        subscriptions,
        webhook=webhook,
        webhook_urls=settings.webhook_urls,
        email=email,
        retry_seconds=settings.notify_retry_seconds,
        attempts=settings.notify_attempts,
    )


def _utcnow() -> datetime:
    return datetime.now(UTC)


def build_services(
    settings: Settings,
    *,
    start_reconciler: bool = False,
    store: Store | None = None,
    sources: Sources | None = None,
    objects: ObjectStore | None = None,
    backend: CustomizationBackend | Backends | None = None,
    price_list: PriceListSource | None = None,
    aws_session: Any | None = None,
    clock: Callable[[], datetime] = _utcnow,
    first_sync: bool = True,
    inference: Mapping[Provider, InferenceBackend] | None = None,
) -> Services:
    """The one composition root: every service, wired the same way for the app, the API, the CLI
    and the tests. Tests replace an outside system (``store``, ``sources``, ``objects``,
    ``backend``, ``price_list``, the models that answer calls (``inference``), or the boto3
    ``aws_session`` whose clients every aws adapter uses) and the ``clock``; everything else is
    built here exactly as in production."""
    db: Store = store if store is not None else SqlCatalogStore.from_url(settings.resolved_database_url)
    prices: PriceListSource | None = None
    if settings.backend == "local":
        made_sources, made_objects, made_backend = _local(settings, objects, clock)
    else:
        import boto3

        session = aws_session or boto3.Session()
        made_sources, made_objects, made_backend, prices = _aws(settings, session)
    objects = objects if objects is not None else made_objects
    invocations: InvocationSource | None = None  # local mode: the calls Model Studio counted
    if settings.backend == "local":
        answers = _local_inference(settings, objects)
        models: dict[Provider, InferenceBackend] = {Provider.BEDROCK: answers, Provider.OPENAI: answers}
    else:
        models = _aws_inference(settings, session)
        invocations = _cloudwatch(settings, session)
    backend = backend if backend is not None else made_backend
    price_list = price_list if price_list is not None else prices
    role = settings.customization_role_arn or (LOCAL_ROLE_ARN if settings.backend == "local" else None)
    customization = CustomizationService(
        catalog=db,
        store=db,
        objects=objects,
        backend=backend,
        config=CustomizationConfig(
            output_root=settings.output_root,
            role_arn=role,
            region=settings.job_region,
            max_model_units=settings.no_commit_max_model_units,
            submit_grace_seconds=settings.submit_grace_seconds,
            allowed_buckets=settings.readable_buckets(),
            regions=tuple(settings.aws_regions),
            tags=tuple(settings.job_tags.items()),
            kms_key_id=settings.kms_key_id,
            vpc_subnets=tuple(settings.vpc_subnets),
            vpc_security_groups=tuple(settings.vpc_security_groups),
            output_roots=tuple((r, settings.output_root_for(r)) for r in settings.aws_regions),
        ),
        clock=clock,
    )
    catalog = CatalogService(
        db,
        sources if sources is not None else made_sources,
        clock,
        refresh_custom=customization.refresh_quietly,
        after_sync=lambda actor: customization.adopt_external(actor=actor),
    )
    if first_sync and db.revision() == 0 and not db.last_sync_runs():
        if settings.backend == "local":
            catalog.sync(actor=SYSTEM)  # first start of the embedded backend: fill the table from the snapshot
        else:  # aws mode starts usable: the bundled snapshot, marked as such, until a sync succeeds
            catalog.seed(_snapshot_sources(settings), actor=SYSTEM)
    tokens = TokenService(db, clock=clock)
    costs = CostService(
        db,
        db,
        PriceCatalog(load_price_file(settings.prices_file or PRICES_FILE), parse_overrides(settings.price_overrides)),
        settings.job_region,
        settings.throughput_warn_hours,
        regions=settings.aws_regions,
        clock=clock,
        price_store=db,
        price_list=price_list,
        usage=db,
    )
    calls = InferenceService(
        catalog.get_model,
        customization.get,
        inference or models,
        costs.call_prices,
        region=settings.job_region,
        usage=db,
        revision=catalog.revision,
        clock=clock,
    )
    evaluations = EvaluationService(
        db,
        customization,
        calls,
        objects,
        output_root=settings.output_root,
        allowed_buckets=settings.readable_buckets(),
        max_records=settings.eval_max_records,
        retry_seconds=settings.eval_retry_seconds,
        attempts=settings.eval_attempts,
        clock=clock,
    )
    runner = EvaluationRunner(  # on the wall clock
        evaluations, db.try_lease, settings.eval_lease_seconds,
        max_running=settings.eval_max_running, per_user=settings.eval_max_running_per_user,
    )  # fmt: skip
    subscriptions = Subscriptions(db, db, settings.admins, clock=clock)
    dispatcher = _dispatcher(settings, db, subscriptions)
    idle = IdleService(
        customization,
        costs,
        invocations if invocations is not None else CountedCalls(db, calls.flush),
        db,
        warn_hours=settings.idle_warn_hours,
        running_warn_hours=settings.throughput_warn_hours,
        auto_remove_hours=settings.auto_remove_idle_hours,
        grace_hours=settings.auto_remove_grace_hours,
        clock=clock,
    )
    budget = BudgetWatch(costs, db, settings.monthly_budget, clock=clock)
    reconciler = Reconciler(customization, db, settings.reconcile_seconds, clock=clock, also=(idle.guard, budget.check))
    if start_reconciler:
        reconciler.start()
        runner.start()
        dispatcher.start()
    return Services(
        settings=settings,
        catalog=catalog,
        customization=customization,
        objects=objects,
        metrics=MetricsService(db, objects),
        costs=costs,
        tokens=tokens,
        audit=AuditService(db),
        identities=Identities(settings, tokens),
        inference=calls,
        evaluations=evaluations,
        dispatcher=dispatcher,
        subscriptions=subscriptions,
        budget=budget,
        idle=idle,
        reconciler=reconciler,
        evaluation_runner=runner,
        clock=clock,
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
            import atexit

            atexit.register(_shared.inference.flush)  # the call counts still in memory
        return _shared


def reset_shared_services() -> None:
    """Forget the shared instance (tests; a settings change needs a restart otherwise)."""
    global _shared
    with _shared_lock:
        if _shared is not None and _shared.reconciler is not None:
            _shared.reconciler.stop()
        if _shared is not None and _shared.evaluation_runner is not None:
            _shared.evaluation_runner.stop()
        if _shared is not None:
            _shared.dispatcher.stop()
        _shared = None
