"""Cost arithmetic (with hypothesis properties), the price catalog file, overrides, costs so far."""

from __future__ import annotations

import io
import json
from pathlib import Path

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.costs.estimate import EstimateInput, estimate
from services.costs.pricing import (
    NO_SOURCE,
    PRICES_FILE,
    PRICING_PAGE,
    ModelPrices,
    Price,
    PriceCatalog,
    PriceCatalogError,
    load_price_file,
    parse_overrides,
)
from services.customization import NewCustomModel, Upload
from services.domain.errors import InvalidRequest
from tests.support.factories import LLAMA
from tests.support.fakes import ADMIN, World

KNOWN = ModelPrices(
    label="Titan Text G1 - Lite",
    region="us-east-1",
    training_unit="1K tokens",
    training=Price(price=0.0004, source="t"),
    storage_month=Price(price=1.95, source="t"),
    inference_no_commit=Price(price=7.10, source="t"),
    catalog_version="test",
)
UNKNOWN_TRAINING = KNOWN.model_copy(update={"training": Price(price=None, source="nobody knows")})


def request(**kw: object) -> EstimateInput:
    values: dict[str, object] = {
        "base_model_id": "bedrock:amazon.titan-text-lite-v1:0:4k",
        "region": "us-east-1",
        "training_units": 1_000_000,
        "epochs": 2,
        "months": 3,
        "model_units": 1,
        "hours_per_day": 8,
        "days": 10,
    }
    return EstimateInput.model_validate(values | kw)


def test_the_three_components_and_the_total() -> None:
    result = estimate(KNOWN, request())
    costs = {c.name: c.cost for c in result.components}
    assert costs["Training"] == pytest.approx(2_000_000 / 1000 * 0.0004)  # trained tokens = tokens x epochs
    assert costs["Storage"] == pytest.approx(3 * 1.95)
    assert costs["Inference (no-commitment throughput)"] == pytest.approx(1 * 8 * 10 * 7.10)
    assert result.total == pytest.approx(0.8 + 5.85 + 568.0)
    assert result.monthly[0] == (0, pytest.approx(0.8))
    assert result.monthly[-1][1] == pytest.approx(result.total)
    prices = [c.price_text() for c in result.components]
    assert prices == ["$0.0004 per 1,000 tokens (t)", "$1.95 per model-month (t)", "$7.1 per model unit-hour (t)"]


quantities = st.fixed_dictionaries(
    {
        "training_units": st.integers(0, 10**9),
        "epochs": st.integers(1, 100),
        "months": st.floats(0, 120, allow_nan=False),
        "model_units": st.integers(0, 10),
        "hours_per_day": st.floats(0, 24, allow_nan=False),
        "days": st.floats(0, 3650, allow_nan=False),
    }
)


@settings(max_examples=200, deadline=None)
@given(
    base=quantities,
    field=st.sampled_from(["training_units", "epochs", "months", "model_units", "hours_per_day", "days"]),
)
def test_the_total_never_falls_when_a_quantity_grows(base: dict, field: str) -> None:
    limits = {"epochs": 1000, "months": 120, "model_units": 100, "hours_per_day": 24, "days": 3650}
    bigger = dict(base)
    step = 1 if isinstance(base[field], int) else 0.5
    bigger[field] = min(base[field] + step, limits.get(field, base[field] + step))
    low, high = estimate(KNOWN, request(**base)).total, estimate(KNOWN, request(**bigger)).total
    assert high >= low - 1e-9


@settings(max_examples=100, deadline=None)
@given(base=quantities)
def test_a_component_with_no_quantity_costs_nothing_even_at_an_unknown_price(base: dict) -> None:
    result = estimate(UNKNOWN_TRAINING, request(**base | {"training_units": 0}))
    assert result.components[0].cost == 0.0
    assert result.total is not None and result.total >= 0
    assert all(cost is not None for _, cost in result.monthly)


@settings(max_examples=100, deadline=None)
@given(base=quantities.filter(lambda q: q["training_units"] > 0))
def test_an_unknown_price_makes_the_total_unknown_never_zero(base: dict) -> None:
    result = estimate(UNKNOWN_TRAINING, request(**base))
    assert result.components[0].cost is None
    assert result.total is None and result.unknown == ("Training",)
    assert all(cost is None for _, cost in result.monthly)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("training_units", -1),
        ("epochs", 0),
        ("months", -0.5),
        ("hours_per_day", 25),
        ("days", float("nan")),
        ("epochs", "two"),
    ],
)
def test_bad_quantities_are_refused(field: str, value: object) -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match=field):
        request(**{field: value})


def test_the_bundled_catalog_matches_its_schema_and_the_facts() -> None:
    file = load_price_file()
    catalog = PriceCatalog(file)
    lite = catalog.lookup("amazon.titan-text-lite-v1:0:4k", "us-east-1")
    assert (lite.training.price, lite.storage_month.price, lite.inference_no_commit.price) == (0.0004, 1.95, 7.10)
    assert "pricing page" in lite.training.source and lite.training.url == PRICING_PAGE
    command = catalog.lookup("cohere.command-text-v14:7:4k", "us-west-2")
    assert command.inference_no_commit.price == 49.50
    haiku = catalog.lookup("anthropic.claude-3-haiku-20240307-v1:0:200k", "us-west-2")
    assert haiku.training.price is None and not haiku.training.confirmed
    assert "unknown" in haiku.training.describe("1K tokens")
    image = catalog.lookup("amazon.titan-image-generator-v2:0", "us-east-1")
    assert image.training_unit == "image" and image.training.price == 0.005
    assert catalog.lookup("amazon.titan-text-lite-v1:0:4k", "eu-west-1") is None
    for entry in file.entries:  # a price is either known with a source, or None: never a made-up 0
        for price in (entry.training, entry.storage_month, entry.inference_no_commit):
            assert price.price is None or price.price > 0


@pytest.mark.parametrize(
    ("content", "says"),
    [
        ("{oops", "not valid JSON"),
        (json.dumps({"version": "1", "currency": "EUR", "entries": []}), "currency"),
        (json.dumps({"version": "1", "currency": "USD", "entries": [{"label": "x"}]}), "entries.0.model_id_prefixes"),
    ],
)
def test_a_malformed_price_file_is_named(tmp_path: Path, content: str, says: str) -> None:
    path = tmp_path / "prices.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(PriceCatalogError, match=says):
        load_price_file(path)


def test_overrides_win_and_say_so() -> None:
    catalog = PriceCatalog(
        load_price_file(),
        parse_overrides(
            {"amazon.titan-text-lite-v1": {"training": 0.001}, "anthropic.claude-3-haiku": {"inference_no_commit": 44}}
        ),
    )
    lite = catalog.lookup("amazon.titan-text-lite-v1:0:4k", "us-east-1")
    assert lite.training.price == 0.001 and "STUDIO_PRICE_OVERRIDES" in lite.training.source
    assert lite.storage_month.price == 1.95  # not overridden
    haiku = catalog.lookup("anthropic.claude-3-haiku-20240307-v1:0:200k", "us-west-2")
    assert haiku.inference_no_commit.price == 44 and haiku.training.price is None
    with pytest.raises(InvalidRequest, match="price override 'x'"):
        parse_overrides({"x": {"training": "cheap"}})


def test_the_estimate_says_which_prices_and_token_method_it_used(tmp_path: Path) -> None:
    world = World(tmp_path)
    world.catalog.sync(actor=ADMIN)
    result = world.costs.estimate(request(token_method="characters ÷ 6"))
    assert result.catalog_version == load_price_file(PRICES_FILE).version and result.token_method == "characters ÷ 6"
    assert "pricing page" in result.components[0].price.source
    with pytest.raises(InvalidRequest, match="no Amazon Bedrock base model"):
        world.costs.estimate(request(base_model_id="bedrock:nope"))
    unknown_region = world.costs.estimate(request(region="eu-west-1"))
    assert unknown_region.total is None and "No source found for eu-west-1" in unknown_region.components[0].price.source


def test_costs_so_far_meter_training_storage_and_every_hour_of_throughput(tmp_path: Path) -> None:
    world = World(tmp_path)
    world.catalog.sync(actor=ADMIN)
    world.catalog.enable("bedrock:amazon.titan-text-lite-v1:0:4k", actor=ADMIN)
    data = b"".join(orjson.dumps({"prompt": f"q{i}", "completion": "an answer"}) + b"\n" for i in range(50))
    model = world.customization.create(
        NewCustomModel(
            name="lite-bot", base_model_id="bedrock:amazon.titan-text-lite-v1:0:4k", hyperparameters={"epochCount": "2"}
        ),
        Upload("t.jsonl", io.BytesIO(data), len(data)),
        actor=ADMIN,
    )
    running = world.costs.costs(model.id)
    assert running.training == 0.0 and "when the job completes" in running.training_note
    world.clock.advance(seconds=61)
    world.customization.refresh(model.id)
    done = world.customization.get(model.id)
    costs = world.costs.costs(model.id)
    assert costs.training == pytest.approx(done.training_tokens * 2 / 1000 * 0.0004)
    world.customization.provision_throughput(model.id, actor=ADMIN)
    world.clock.advance(hours=30)
    world.customization.refresh(model.id)
    meter = world.costs.costs(model.id)
    assert meter.throughput == pytest.approx(30 * 7.10, rel=1e-3)
    assert meter.throughput_running_hours == pytest.approx(30, rel=1e-3)
    assert [c.name for c in world.costs.long_running()] == ["lite-bot"]  # over 24 h
    world.customization.remove_throughput(model.id, actor=ADMIN)
    world.clock.advance(days=30)
    after = world.costs.costs(model.id)
    assert after.throughput == pytest.approx(30 * 7.10, rel=1e-3)  # the removed hours still count
    assert after.throughput_running_hours is None and world.costs.long_running() == []
    assert after.storage == pytest.approx((30 + 30 / 24) / (365.25 / 12) * 1.95, rel=1e-3)
    assert after.total == pytest.approx(after.training + after.storage + after.throughput)
    # costs are a ledger: deleting the model keeps what AWS billed, and stops the meter
    world.customization.delete(model.id, actor=ADMIN)
    world.clock.advance(days=60)
    [kept] = world.costs.all_costs()
    assert kept.name == "lite-bot" and kept.deleted_at is not None
    assert kept.total == pytest.approx(after.total) and kept.throughput == pytest.approx(after.throughput)


def test_biggest_spenders_first_and_unknown_totals_last(tmp_path: Path) -> None:
    world = World(tmp_path)
    world.catalog.sync(actor=ADMIN)
    for base in ("bedrock:amazon.titan-text-lite-v1:0:4k", LLAMA):
        world.catalog.enable(base, actor=ADMIN)
    rows = 150
    data = b"".join(orjson.dumps({"prompt": f"q{i}", "completion": "an answer"}) + b"\n" for i in range(rows))
    for name, base in (
        ("lite-bot", "bedrock:amazon.titan-text-lite-v1:0:4k"),
        ("llama-bot", LLAMA),
    ):
        world.customization.create(
            NewCustomModel(name=name, base_model_id=base), Upload("t.jsonl", io.BytesIO(data), len(data)), actor=ADMIN
        )
    world.clock.advance(seconds=61)
    for m in world.customization.list():
        world.customization.refresh(m.id)
    costs = world.costs.all_costs()
    assert [c.name for c in costs] == ["lite-bot", "llama-bot"]
    assert costs[1].total is None  # Llama 3.1 customization prices are unknown (bedrock-facts §5.3)


def test_throughput_against_on_demand_with_the_break_even_point() -> None:
    from services.costs.pricing import PriceCatalog, load_price_file, parse_overrides

    catalog = PriceCatalog(
        load_price_file(),
        parse_overrides(
            {"amazon.nova-micro-v1": {"inference_no_commit": 20.0, "on_demand_input": 0.001, "on_demand_output": 0.004}}
        ),
    )
    prices = catalog.lookup("amazon.nova-micro-v1:0:128k", "us-east-1")
    assert prices is not None
    request = EstimateInput(
        base_model_id="bedrock:amazon.nova-micro-v1:0:128k", region="us-east-1", training_units=0, model_units=1,
        hours_per_day=8, days=0, on_demand_input_tokens=3_000_000, on_demand_output_tokens=1_000_000,
    )  # fmt: skip
    c = estimate(prices, request).comparison
    assert c is not None
    from services.costs.pricing import DAYS_PER_MONTH

    month = 1 * 8 * DAYS_PER_MONTH * 20.0  # about 4,870 USD, whether used or not
    assert c.throughput_month == pytest.approx(month)
    assert c.on_demand_month == pytest.approx(3_000 * 0.001 + 1_000 * 0.004)  # 7 USD
    assert c.cheaper == "on demand"
    assert c.break_even_tokens == int(month / (7 / 4_000_000))  # ~2.8 billion tokens a month


def test_on_demand_prices_nobody_published_are_unknown_not_zero() -> None:
    from services.costs.pricing import PriceCatalog, load_price_file

    prices = PriceCatalog(load_price_file()).lookup("amazon.nova-micro-v1:0:128k", "us-east-1")
    assert prices is not None and prices.on_demand_input.price == 0.000035  # the base model's standard rate
    assert prices.inference_no_commit.price is None  # throughput: no source found
    request = EstimateInput(
        base_model_id="bedrock:amazon.nova-micro-v1:0:128k", region="us-east-1", training_units=0,
        on_demand_input_tokens=1000,
    )  # fmt: skip
    c = estimate(prices, request).comparison
    assert c is not None and c.on_demand_month == pytest.approx(0.000035)
    assert c.throughput_month is None and c.cheaper is None and c.break_even_tokens is None


def test_every_fine_tunable_model_of_the_snapshot_has_prices_in_each_region_it_runs_in() -> None:
    """An entry per fine-tunable model and region (a price nobody published is null: unknown, never $0)."""
    import json

    from services.adapters.local_catalog import BUNDLED_SNAPSHOT
    from services.costs.pricing import PriceCatalog, load_price_file

    catalog = PriceCatalog(load_price_file())
    snapshot = json.loads(BUNDLED_SNAPSHOT.read_text())["bedrock"]
    missing = [
        f"{m['modelId']} in {region}"
        for region, page in snapshot.items()
        for m in page["modelSummaries"]
        if "FINE_TUNING" in m.get("customizationsSupported", []) and catalog.lookup(m["modelId"], region) is None
    ]
    assert missing == []
    west = catalog.lookup("amazon.titan-text-lite-v1:0:4k", "us-west-2")
    assert west is not None and west.storage_month.price == 1.95 and west.training.price is None


def _fine_tunable() -> list[tuple[str, str, bool]]:
    """(model id, region, served on demand once customized) for every model of the bundled catalog
    snapshot that Bedrock customizes, in every region it lists it."""
    snapshot = json.loads((Path(__file__).resolve().parents[3] / "services/data/catalog_snapshot.json").read_text())
    found = []
    for region, listing in snapshot["bedrock"].items():
        for model in listing["modelSummaries"]:
            if model.get("customizationsSupported"):
                model_id = model["modelId"]
                on_demand = model_id.startswith(
                    ("amazon.nova-micro", "amazon.nova-lite", "amazon.nova-pro", "amazon.nova-2")
                )
                found.append((model_id, region, on_demand))
    return sorted(found)


FINE_TUNABLE = _fine_tunable()


def test_the_snapshot_has_the_models_people_customize() -> None:
    assert len({m for m, _, _ in FINE_TUNABLE}) >= 22 and any("nova-micro" in m for m, _, _ in FINE_TUNABLE)


@pytest.mark.parametrize(("model_id", "region", "on_demand"), FINE_TUNABLE, ids=lambda v: str(v))
def test_every_fine_tunable_model_has_a_sourced_price_or_says_none_was_found(
    model_id: str, region: str, on_demand: bool
) -> None:
    """Each component in each region: a price with its source, page and date, or, where none was found,
    an explicit "No source found" with AWS's pricing page. Never a silent unknown, never $0."""
    prices = PriceCatalog(load_price_file()).lookup(model_id, region)
    assert prices is not None, f"{model_id} in {region}: not in the price catalog"
    components = [prices.training, prices.storage_month, prices.inference_no_commit]
    if on_demand:
        components += [prices.on_demand_input, prices.on_demand_output]
    for price in components:
        assert price.url and price.url.startswith("https://"), price
        if price.price is None:
            assert price.source.startswith(NO_SOURCE) and price.url == PRICING_PAGE, price
        else:
            assert price.price > 0 and price.as_of and NO_SOURCE not in price.source, price
            assert "UNCONFIRMED" not in price.source and ".md" not in price.source  # words for people


def test_which_prices_stayed_without_a_source() -> None:
    """The list the closing note gives: (model, region, component) with no source found."""
    catalog = PriceCatalog(load_price_file())
    missing = sorted(
        (model_id, region, name)
        for model_id, region, on_demand in FINE_TUNABLE
        for name in ("training", "storage_month", "inference_no_commit", *(("on_demand_input",) if on_demand else ()))
        if getattr(catalog.lookup(model_id, region), name).price is None
    )
    print("\n".join(f"{m} {r} {n}" for m, r, n in missing))
    assert ("amazon.nova-micro-v1:0:128k", "us-east-1", "training") not in missing  # found this round


def test_reinforcement_fine_tuning_is_billed_by_the_hour_at_a_rate_aws_does_not_publish() -> None:
    """RFT's training is hours, not tokens: the estimate says the rate is not published, with AWS's page,
    never the supervised fine-tuning token price (which Nova 2 Lite has) and never $0."""
    from services.costs.pricing import PriceCatalog, load_price_file

    prices = PriceCatalog(load_price_file()).lookup("amazon.nova-2-lite-v1:0:256k", "us-east-1")
    assert prices is not None and prices.training.price == 0.00378  # SFT's per-1K-token rate
    common = {"base_model_id": "bedrock:amazon.nova-2-lite-v1:0:256k", "region": "us-east-1", "training_units": 90_000}
    tuned = estimate(prices, EstimateInput(**common))
    assert tuned.components[0].cost == pytest.approx(90 * 0.00378)
    rft = estimate(prices, EstimateInput(**common, training_billing="hours"))
    training = rft.components[0]
    assert training.cost is None and rft.total is None and rft.unknown == ("Training (billed by the hour)",)
    assert (
        "not published by AWS" in training.price_text()
        and training.price.url == "https://aws.amazon.com/bedrock/pricing/"
    )
    assert rft.components[1].cost == tuned.components[1].cost  # storage is what it is for any method
