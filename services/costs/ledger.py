"""CostService: estimates before a job, costs so far after it. Arithmetic is in services.costs.pricing."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

from pydantic import BaseModel, ConfigDict

from services.costs.estimate import Estimate, EstimateInput, estimate
from services.costs.meter import ModelCosts, ThroughputInterval, costs_so_far
from services.costs.pricing import COMPONENTS, NO_SOURCE, PRICE_LIST_URL, PRICING_PAGE, ModelPrices, Price, PriceCatalog
from services.domain.custom import CustomModel
from services.domain.errors import InvalidRequest, ModelNotFound
from services.domain.generations import PRICES, Generations, Kept
from services.domain.identity import Actor, require_admin
from services.domain.models import ModelRecord, ModelType, Provider
from services.domain.records import AuditEvent, PriceQuote, RefreshedPrice, SetPrice
from services.ports import CatalogStore, CustomModelStore, PriceListSource, PriceStore, UsageStore


class PriceChange(BaseModel):
    model_config = ConfigDict(frozen=True)

    label: str
    component: str
    old: float | None
    new: float


class PriceRefresh(BaseModel):
    model_config = ConfigDict(frozen=True)

    fetched_at: datetime
    region: str
    changes: tuple[PriceChange, ...]
    unchanged: int
    unmatched: int


class MonthSpend(BaseModel):
    """What the calendar month (UTC) has cost so far, as far as prices are known."""

    model_config = ConfigDict(frozen=True)

    month: str  # YYYY-MM
    since: datetime  # the month's first moment
    spent: float  # training completed this month, storage and throughput hours in it, per-token calls
    calls: float  # of which per-token calls through Model Studio
    unpriced: tuple[str, ...]  # models whose part is not known (no price): not in ``spent``


class CostService:
    def __init__(
        self,
        catalog: CatalogStore,
        store: CustomModelStore,
        prices: PriceCatalog,
        region: str,
        warn_hours: float = 24.0,
        regions: Sequence[str] = (),
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        price_store: PriceStore | None = None,
        price_list: PriceListSource | None = None,
        usage: UsageStore | None = None,
    ) -> None:
        self._catalog = catalog
        self._store = store
        self._base_prices = prices
        self.region = region
        self.regions = tuple(regions) or (region,)  # where jobs may run, so where prices matter
        self.warn_hours = warn_hours
        self._clock = clock
        self._price_store = price_store
        self._kept_prices = Kept(self._read_prices)
        self._price_list = price_list  # AwsPriceList in aws mode
        self._usage = usage  # the calls Model Studio answered (per-token spend)

    @property
    def prices(self) -> PriceCatalog:
        """The catalog with the latest refreshed prices and those admins set: kept in memory until another
        write to prices, by this replica or another, moves their generation on."""
        if self._price_store is None:
            return self._base_prices
        return self._kept_prices.at(self._catalog.generations()[PRICES])

    def _read_prices(self) -> PriceCatalog:
        if self._price_store is None:
            return self._base_prices
        layer: dict[tuple[str, str], dict[str, Price]] = {}
        for row in self._price_store.refreshed_prices():
            layer.setdefault((row.model_prefix, row.region), {})[row.component] = Price(
                price=row.price, source=row.source, as_of=f"{row.fetched_at:%Y-%m-%d}", url=PRICE_LIST_URL
            )
        admins: dict[tuple[str, str], dict[str, Price]] = {}
        for set_row in self._price_store.set_prices():
            admins.setdefault((set_row.model_prefix, set_row.region), {})[set_row.component] = Price(
                price=set_row.price,
                source=f"set by {set_row.set_by} on the Costs page: {set_row.source}",
                as_of=f"{set_row.set_at:%Y-%m-%d}",
                url=PRICING_PAGE,
                set_by=set_row.set_by,
            )
        if not layer and not admins:
            return self._base_prices
        return self._base_prices.with_refreshed(layer, admins)

    def set_price(
        self, base_model_id: str, region: str, component: str, price: float, source: str, *, actor: Actor
    ) -> ModelPrices:
        """An admin sets a price AWS publishes where Model Studio cannot read it (or corrects one):
        stored for every replica and audited, with who set it and the source they give."""
        require_admin(actor, "Setting a price")
        problems = []
        if component not in COMPONENTS:
            problems.append(f"Component: {component!r} is not one of {', '.join(COMPONENTS)}.")
        if not math.isfinite(price) or price < 0 or price > 1_000_000:
            problems.append(f"Price: {price!r} is not a price in US dollars (0 to 1,000,000).")
        source = " ".join(source.split())
        if not 3 <= len(source) <= 300:
            problems.append("Source: say where the price comes from (3-300 characters), e.g. AWS's pricing page.")
        if region not in self.regions:
            problems.append(f"Region: {region!r} is not one of the configured regions ({', '.join(self.regions)}).")
        base = self._catalog.get_model(base_model_id)
        if base is None or base.provider is not Provider.BEDROCK:
            problems.append(f"Base Model: no Amazon Bedrock base model with id {base_model_id!r}.")
        if problems:
            raise InvalidRequest(" ".join(problems), problems)
        assert base is not None
        if self._price_store is None:
            raise InvalidRequest("Prices cannot be set here: no price store.")
        current = self.prices
        prefix = current.entry_prefix(base.model_id)
        old = getattr(self.prices_for(base.id, region, current), component).price
        now = self._clock()
        self._price_store.set_price(
            SetPrice(
                model_prefix=prefix, region=region, component=component, price=price, source=source,
                set_by=actor.id, set_at=now,
            ),
            [
                AuditEvent(
                    at=now, actor_id=actor.id, actor_name=actor.name, action="set-price", model_id=base.id,
                    model_name=base.name, before=None if old is None else f"${old:g}", after=f"${price:g}",
                    request_id=actor.request_id,
                    detail=f"{region} {component} (per {COMPONENTS[component]}): ${price:g}; source: {source}",
                )
            ],
        )  # fmt: skip
        return self.prices_for(base.id, region)

    @property
    def can_refresh(self) -> bool:
        return self._price_list is not None and self._price_store is not None

    def refresh_prices(self, *, actor: Actor) -> PriceRefresh:
        """Fetch prices from the AWS Price List API, keep the ones that match a catalog entry, and
        say what changed. Nothing is guessed: a product that matches no entry is only counted."""
        require_admin(actor, "Refreshing prices")
        if not self.can_refresh:
            raise InvalidRequest("Refreshing prices needs the aws backend (the AWS Price List API).")
        assert self._price_store is not None
        assert self._price_list is not None
        now = self._clock()
        current = self.prices
        rows: list[RefreshedPrice] = []
        changes: list[PriceChange] = []
        unchanged = unmatched = 0
        for region in self.regions:  # every region a job may run in: Llama is customized in us-west-2 only
            quotes, missed = self._price_list.fetch(region)
            unmatched += missed
            for quote in quotes:
                prefix = self._prefix_of(current, quote, region)
                if prefix is None:
                    unmatched += 1
                    continue
                found = current.lookup(prefix, region)
                old = getattr(found, quote.component).price if found else None
                rows.append(
                    RefreshedPrice(
                        model_prefix=prefix, region=region, component=quote.component, price=quote.price,
                        source=f"AWS Price List API ({quote.description or quote.unit})", fetched_at=now,
                    )
                )  # fmt: skip
                label = f"{found.label if found else prefix} ({region})"
                if old is None or abs(old - quote.price) > 1e-12:
                    changes.append(PriceChange(label=label, component=quote.component, old=old, new=quote.price))
                else:
                    unchanged += 1
        self._price_store.save_refreshed_prices(rows)
        return PriceRefresh(
            fetched_at=now, region=", ".join(self.regions), changes=tuple(changes), unchanged=unchanged,
            unmatched=unmatched,
        )  # fmt: skip

    @staticmethod
    def _prefix_of(catalog: PriceCatalog, quote: PriceQuote, region: str) -> str | None:
        """The catalog prefix a quote is for: the model its usage type names, or else the entry whose
        label its ``model`` attribute names (in that region)."""
        if quote.model_prefix is not None:
            return quote.model_prefix
        for e in catalog.file.entries:
            if region in e.regions and (
                e.label.casefold() in quote.model.casefold() or quote.model.casefold() in e.label.casefold()
            ):
                return e.model_id_prefixes[0]
        return None

    def estimable_models(self) -> list[ModelRecord]:
        """Bedrock base models that can be fine-tuned, whatever their status."""
        return sorted(
            (
                r
                for r in self._catalog.list_models()
                if r.model_type is ModelType.BASE
                and r.provider is Provider.BEDROCK
                and "FINE_TUNING" in r.customizations
            ),
            key=lambda r: (r.name.casefold(), r.id),
        )

    def prices_for(
        self, base_model_id: str, region: str | None = None, catalog: PriceCatalog | None = None
    ) -> ModelPrices:
        """A base model's prices in a region; ``catalog``: ``self.prices`` read once by a caller that
        looks up many (each read of ``prices`` queries the refreshed and the admins' prices)."""
        base = self._catalog.get_model(base_model_id)
        if base is None or base.provider is not Provider.BEDROCK:
            raise InvalidRequest(f"Base Model: no Amazon Bedrock base model with id {base_model_id!r}.")
        return self._lookup(base.model_id, base.name, region or self.region, catalog or self.prices)

    @staticmethod
    def _lookup(model_id: str, label: str, region: str, catalog: PriceCatalog) -> ModelPrices:
        found = catalog.lookup(model_id, region)
        if found is not None:
            return found
        unknown = Price(
            price=None,
            source=f"{NO_SOURCE} for {region} (price catalog {catalog.version}); an admin can set it on the Costs page",
            url=PRICING_PAGE,
        )
        return ModelPrices(
            label=label,
            region=region,
            training_unit="1K tokens",
            training=unknown,
            storage_month=unknown,
            inference_no_commit=unknown,
            catalog_version=catalog.version,
        )

    def call_prices(
        self, record: ModelRecord, custom: CustomModel | None, generations: Generations, base: ModelRecord | None
    ) -> tuple[float, float] | None:
        """What one call costs per 1,000 input and output tokens, when a price is known: a Bedrock base
        model on demand, or a custom model (of ``base``) on its on-demand deployment. A custom model on
        provisioned throughput is billed by the hour however much it is called (None: no per-call price).
        From memory, as of ``generations``: the gateway asks on every call."""
        if record.provider is not Provider.BEDROCK:
            return None
        region, model_id = self.region, record.model_id
        if custom is not None:
            if (custom.throughput_arn and custom.throughput_status is not None) or base is None:
                return None
            region, model_id = custom.region or self.region, base.model_id
        prices = self._kept_prices.at(generations[PRICES]) if self._price_store is not None else self._base_prices
        found = prices.lookup(model_id, region)
        if found is None or found.on_demand_input.price is None or found.on_demand_output.price is None:
            return None
        return found.on_demand_input.price, found.on_demand_output.price

    def estimate(self, request: EstimateInput) -> Estimate:
        """What a request costs before it is made; a distillation's teacher at its on-demand prices too."""
        teacher = None
        if request.teacher_model_id:
            try:
                teacher = self.prices_for(request.teacher_model_id, request.region)
            except InvalidRequest:  # a teacher outside the catalog: its prices unknown, said so
                model_id = request.teacher_model_id.removeprefix("bedrock:")
                teacher = self._lookup(model_id, model_id, request.region or self.region, self.prices)
        return estimate(self.prices_for(request.base_model_id, request.region), request, teacher)

    def _prices_of(self, model: CustomModel, catalog: PriceCatalog) -> ModelPrices | None:
        base = self._catalog.get_model(model.base_model_id)
        region = model.region or self.region  # its prices are those of the region it lives in
        return self._lookup(base.model_id, base.name, region, catalog) if base else None

    @staticmethod
    def _model_costs(
        model: CustomModel,
        prices: ModelPrices | None,
        catalog: PriceCatalog,
        history: dict[str, list[tuple[int, datetime, datetime, str | None]]],
        now: datetime,
    ) -> ModelCosts:
        intervals = [
            ThroughputInterval(model_units=u, started_at=s, ended_at=e, commitment=c)
            for u, s, e, c in history.get(model.id, [])
        ]
        if model.throughput_status is not None and model.throughput_since and model.model_units:
            intervals.append(
                ThroughputInterval(
                    model_units=model.model_units, started_at=model.throughput_since,
                    commitment=model.throughput_commitment,
                )
            )  # fmt: skip
        return costs_so_far(model, prices, intervals, now, catalog.version)

    def costs(self, model_id: str) -> ModelCosts:
        model = self._store.get_custom(model_id)
        if model is None:
            raise ModelNotFound(f"No custom model with id {model_id!r}.")
        catalog = self.prices
        return self._model_costs(
            model, self._prices_of(model, catalog), catalog, self._store.throughput_history(), self._clock()
        )

    def _ledger(self) -> list[tuple[CustomModel, datetime | None]]:
        """Every custom model with when it was deleted (None: it lives). A deleted one is its last record,
        its throughput ended with it."""
        out: list[tuple[CustomModel, datetime | None]] = [(m, None) for m in self._store.list_custom()]
        out += [(m.model_copy(update={"throughput_status": None}), at) for m, at in self._store.deleted_customs()]
        return out

    def all_costs(self) -> list[ModelCosts]:
        """Every custom model's costs so far, the biggest spenders first (unknown totals last): a ledger,
        so deleted models stay with what they cost until they were deleted."""
        catalog, history, now = self.prices, self._store.throughput_history(), self._clock()  # each read once
        out = []
        for model, deleted_at in self._ledger():
            cost = self._model_costs(model, self._prices_of(model, catalog), catalog, history, deleted_at or now)
            out.append(cost.model_copy(update={"deleted_at": deleted_at}) if deleted_at else cost)
        return sorted(out, key=lambda c: (c.total is None, -(c.total or 0.0), c.name))

    def spend_over_time(self, points: int = 60) -> list[tuple[datetime, ModelCosts]]:
        """Every model's costs so far at ``points`` moments from the first model's creation to now
        (a deleted model's stop growing when it was deleted): the Costs page's spend over time."""
        catalog, history, now = self.prices, self._store.throughput_history(), self._clock()
        models = [(m, deleted_at, self._prices_of(m, catalog)) for m, deleted_at in self._ledger()]  # prices once
        if not models:
            return []
        start = min(m.created_at for m, _, _ in models)
        step = max((now - start) / max(1, points - 1), timedelta(seconds=1))
        out = []
        moment = start
        while moment <= now + step / 2:
            at = min(moment, now)
            for model, deleted_at, prices in models:
                if model.created_at <= at:
                    cost = self._model_costs(model, prices, catalog, history, min(at, deleted_at or at))
                    out.append((at, cost))
            moment += step
        return out

    def long_running(self, costs: list[ModelCosts] | None = None) -> list[ModelCosts]:
        """Models whose throughput has run longer than the warning threshold."""
        return [
            c
            for c in (costs if costs is not None else self.all_costs())
            if c.throughput_running_hours is not None and c.throughput_running_hours > self.warn_hours
        ]

    def month_spend(self) -> MonthSpend:
        """This month's spend: each model's costs so far now less its costs so far when the month
        began (training counts in the month its job completed), and the per-token calls Model Studio
        answered this month. Calls made to Bedrock around Model Studio are not counted here."""
        now = self._clock()
        since = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        catalog, history = self.prices, self._store.throughput_history()
        spent, unpriced = 0.0, []
        for model, deleted_at in self._ledger():
            end = deleted_at or now
            if end <= since:
                continue
            prices = self._prices_of(model, catalog)
            after = self._model_costs(model, prices, catalog, history, end).total
            before = 0.0
            if model.created_at < since:
                before = self._model_costs(model, prices, catalog, history, since).total or 0.0
            if after is None:
                unpriced.append(model.name)
                continue
            spent += max(0.0, after - before)
        calls = 0.0
        if self._usage is not None:
            generations = self._catalog.generations()
            for count in self._usage.call_counts(since_day=f"{since:%Y-%m-%d}"):
                record = self._catalog.get_model(count.model_id)
                if record is None:
                    continue
                custom = self._store.get_custom(count.model_id) if record.model_type is ModelType.CUSTOM else None
                base = self._catalog.get_model(custom.base_model_id) if custom is not None else None
                per_k = self.call_prices(record, custom, generations, base)
                if per_k is not None:
                    calls += count.input_tokens / 1000 * per_k[0] + count.output_tokens / 1000 * per_k[1]
        return MonthSpend(
            month=f"{since:%Y-%m}", since=since, spent=spent + calls, calls=calls, unpriced=tuple(unpriced)
        )
