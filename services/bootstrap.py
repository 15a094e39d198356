"""The composition root: the only place that builds the services and hands each its adapters (chosen
in services/outside.py). It only wires; what starts with the server (the first fill of an empty
catalog, the background loops) is ``Services.start``."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from services.access.api_tokens import TokenService
from services.access.audit import AuditService
from services.access.signin import Identities
from services.adapters.sql import SqlDatabase
from services.catalog.service import CatalogService
from services.costs.budget import BudgetWatch
from services.costs.idle import CountedCalls, IdleService
from services.costs.ledger import CostService
from services.costs.pricing import PRICES_FILE, PriceCatalog, load_price_file, parse_overrides
from services.customization import CustomizationConfig, CustomizationService
from services.customization.metrics_files import MetricsService
from services.customization.reconciler import Reconciler
from services.domain.identity import SYSTEM
from services.domain.models import Provider
from services.evaluation.runner import EvaluationRunner
from services.evaluation.service import EvaluationService
from services.inference.service import InferenceService
from services.notices.dispatch import Dispatcher
from services.notices.subscriptions import Subscriptions
from services.outside import Backends, Sources, dispatcher, outside_systems, snapshot_sources
from services.ports import CustomizationBackend, Database, InferenceBackend, ObjectStore, PriceListSource
from services.serving.endpoints import EndpointService
from services.settings import Settings

LOCAL_ROLE_ARN = "arn:aws:iam::000000000000:role/ModelStudioLocal"


@dataclass(frozen=True)
class Services:
    settings: Settings
    store: Database
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
    reconciler: Reconciler
    evaluation_runner: EvaluationRunner
    endpoints: EndpointService
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))  # what "now" is for every page

    def start(self, *, background: bool = True) -> None:
        """What starts with the server: an empty catalog is filled (the local backend syncs its
        snapshot; aws mode shows the bundled snapshot, marked as such, until a sync succeeds), then
        the background loops (reconciler, evaluations, notice delivery) start."""
        if self.store.catalog.revision() == 0 and not self.store.catalog.last_sync_runs():
            if self.settings.backend == "local":
                self.catalog.sync(actor=SYSTEM)
            else:
                self.catalog.seed(snapshot_sources(self.settings), actor=SYSTEM)
        if background:
            self.reconciler.start()
            self.evaluation_runner.start()
            self.dispatcher.start()

    def stop(self) -> None:
        self.reconciler.stop()
        self.evaluation_runner.stop()
        self.dispatcher.stop()


def build_services(
    settings: Settings,
    *,
    store: Database | None = None,
    sources: Sources | None = None,
    objects: ObjectStore | None = None,
    backend: CustomizationBackend | Backends | None = None,
    price_list: PriceListSource | None = None,
    aws_session: Any | None = None,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    inference: Mapping[Provider, InferenceBackend] | None = None,
) -> Services:
    """Every service, wired the same way for the app, the API, the CLI and the tests. Tests replace an
    outside system (``store``, ``sources``, ``objects``, ``backend``, ``price_list``, the models that
    answer calls (``inference``), or the boto3 ``aws_session`` every aws adapter uses) and the
    ``clock``; everything else is built here exactly as in production."""
    db: Database = store if store is not None else SqlDatabase.from_url(settings.resolved_database_url)
    out = outside_systems(settings, objects=objects, session=aws_session, clock=clock)
    objects = out.objects
    customization = CustomizationService(
        db.catalog, db.custom_models, objects, backend if backend is not None else out.backend,
        CustomizationConfig.from_settings(settings, local_role_arn=LOCAL_ROLE_ARN), clock, out.graders, db.audit,
    )  # fmt: skip
    catalog = CatalogService(
        db.catalog,
        sources if sources is not None else out.sources,
        clock,
        refresh_custom=customization.refresh_quietly,
        after_sync=lambda actor: customization.adopt_external(actor=actor),
    )
    tokens = TokenService(db.tokens, clock=clock)
    overrides = parse_overrides(settings.price_overrides)
    costs = CostService(
        db.catalog, db.custom_models, PriceCatalog(load_price_file(settings.prices_file or PRICES_FILE), overrides),
        settings.job_region, settings.throughput_warn_hours, regions=settings.aws_regions, clock=clock,
        price_store=db.prices, price_list=price_list if price_list is not None else out.price_list, usage=db.usage,
    )  # fmt: skip
    endpoints = EndpointService(db.endpoints, customization, clock)
    calls = InferenceService(
        catalog.view_at, customization.get_at, inference or out.models, costs.call_prices,
        generations=catalog.generations, region=settings.job_region, usage=db.usage, clock=clock,
        profiles=out.profiles, endpoint=endpoints.serving_model,
    )  # fmt: skip
    evaluations = EvaluationService(
        db.evaluations, customization, calls, objects, output_root=settings.output_root,
        allowed_buckets=settings.readable_buckets(), max_records=settings.eval_max_records,
        retry_seconds=settings.eval_retry_seconds, attempts=settings.eval_attempts, clock=clock,
        batch=out.batch, batch_min_records=settings.eval_batch_min_records,
    )  # fmt: skip
    runner = EvaluationRunner(  # on the wall clock
        evaluations, db.custom_models.try_lease, settings.eval_lease_seconds,
        max_running=settings.eval_max_running, per_user=settings.eval_max_running_per_user,
    )  # fmt: skip
    subscriptions = Subscriptions(db.outbox, db.custom_models, settings.admins, clock=clock)
    idle = IdleService(
        customization, costs, out.invocations or CountedCalls(db.usage, calls.flush), db.audit,
        warn_hours=settings.idle_warn_hours, running_warn_hours=settings.throughput_warn_hours,
        auto_remove_hours=settings.auto_remove_idle_hours, grace_hours=settings.auto_remove_grace_hours, clock=clock,
    )  # fmt: skip
    budget = BudgetWatch(costs, db.audit, settings.monthly_budget, clock=clock)
    also = (idle.guard, budget.check)  # the reconciler's round also guards idle throughput and the budget
    reconciler = Reconciler(customization, db.custom_models, settings.reconcile_seconds, clock=clock, also=also)
    return Services(
        settings=settings, store=db, catalog=catalog, customization=customization, objects=objects,
        metrics=MetricsService(db.custom_models, objects), costs=costs, tokens=tokens, audit=AuditService(db.audit),
        identities=Identities(settings, tokens), inference=calls, evaluations=evaluations,
        dispatcher=dispatcher(settings, db.outbox, subscriptions), subscriptions=subscriptions, budget=budget,
        idle=idle, reconciler=reconciler, evaluation_runner=runner, clock=clock, endpoints=endpoints,
    )  # fmt: skip
