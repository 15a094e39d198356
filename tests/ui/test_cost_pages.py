"""Cost Estimator, Costs, the New Model estimate and the model's cost meter, through app.py."""

from __future__ import annotations

import io
import re

import orjson
import pytest
from streamlit.testing.v1 import AppTest

from services.customization import NewCustomModel, Upload
from tests.support.factories import LLAMA
from tests.support.fakes import ADMIN, World
from ui.state import Key

LITE = "bedrock:amazon.titan-text-lite-v1:0:4k"


def texts(at: AppTest) -> str:
    kinds = ("markdown", "caption", "info", "success", "warning", "error")
    return re.sub(r"\\(.)", r"\1", "\n".join(str(e.value) for kind in kinds for e in getattr(at, kind)))


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def jsonl(n: int = 50) -> bytes:
    return b"".join(orjson.dumps({"prompt": f"question {i}", "completion": "an answer here"}) + b"\n" for i in range(n))


@pytest.fixture
def lite(world: World) -> World:
    """These pages' tests start from Titan Text G1 - Lite enabled (its prices are all published)."""
    world.catalog.sync(actor=ADMIN)
    world.catalog.enable(LITE, actor=ADMIN)
    return world


def open_page(make_app, path: str) -> AppTest:
    at = make_app().run()
    at.switch_page(path).run()
    assert not at.exception, at.exception
    return at


def test_an_estimate_from_a_token_count(lite: World, make_app) -> None:
    at = open_page(make_app, "views/estimator.py")
    at.selectbox(key=Key.EST_BASE).set_value(LITE)
    at.number_input(key=Key.EST_TOKENS).set_value(1_000_000)
    at.number_input(key=Key.EST_EPOCHS).set_value(2)
    at.number_input(key=Key.EST_MONTHS).set_value(3.0)
    at.number_input(key=Key.EST_UNITS).set_value(1)
    at.number_input(key=Key.EST_HOURS).set_value(8.0)
    at.number_input(key=Key.EST_DAYS).set_value(10.0)
    at.button(key=Key.EST_RUN).click().run()
    assert not at.exception
    shown = metrics(at)
    assert shown["Training"] == "$0.80" and shown["Storage"] == "$5.85"
    assert shown["Inference (no-commitment throughput)"] == "$568.00" and shown["Total"] == "$574.65"
    assert len(at.get("plotly_chart")) == 2  # the stacked bar and the cumulative line
    assert "Prices from catalog 2026-12-04.1" in texts(at)


def test_an_unknown_price_gives_an_unknown_total_not_zero(lite: World, make_app) -> None:
    at = open_page(make_app, "views/estimator.py")
    at.selectbox(key=Key.EST_BASE).set_value(LLAMA)
    at.button(key=Key.EST_RUN).click().run()
    assert metrics(at)["Total"] == "unknown"
    assert "The total is unknown" in texts(at)


def test_an_estimate_from_uploaded_data_counts_its_tokens_and_refuses_bad_data(lite: World, make_app) -> None:
    at = open_page(make_app, "views/estimator.py")
    at.selectbox(key=Key.EST_BASE).set_value(LITE)
    at.radio(key=Key.EST_SOURCE).set_value("Upload a .jsonl file").run()
    at.file_uploader(key=Key.EST_FILE).set_value(("train.jsonl", jsonl(), "application/jsonl"))
    at.button(key=Key.EST_RUN).click().run()
    assert "50 records" in texts(at) and metrics(at)["Total"].startswith("$")
    assert "characters ÷ 6" in texts(at)
    at.file_uploader(key=Key.EST_FILE).set_value(("train.jsonl", b"nope\n", "application/jsonl"))
    at.button(key=Key.EST_RUN).click().run()
    assert "No estimate: the data has problems" in texts(at)
    assert "Total" not in metrics(at)


def test_the_new_model_form_shows_the_estimate_when_the_data_is_checked(lite: World, make_app) -> None:
    at = open_page(make_app, "views/new_model.py")
    at.file_uploader(key=Key.NM_TRAINING_FILE).set_value(("train.jsonl", jsonl(), "application/jsonl"))
    at.button(key=Key.NM_CHECK).click().run()
    assert "**Estimated cost** (5 epoch(s)" in texts(at)
    assert metrics(at)["Storage"] == "$1.95"


def served_lite_bot(lite: World, hours: float):
    """A completed Titan Lite model whose throughput has run ``hours``."""
    data = jsonl()
    model = lite.customization.create(
        NewCustomModel(name="lite-bot", base_model_id=LITE), Upload("t.jsonl", io.BytesIO(data), len(data)), actor=ADMIN
    )
    lite.clock.advance(seconds=61)
    lite.customization.refresh(model.id)
    lite.customization.provision_throughput(model.id, actor=ADMIN)
    lite.clock.advance(hours=hours)
    return lite.customization.refresh(model.id)


def test_the_costs_page_lists_spenders_and_warns_about_long_running_throughput(lite: World, make_app) -> None:
    served_lite_bot(lite, hours=25)
    at = open_page(make_app, "views/costs.py")
    assert "lite-bot: no-commitment throughput has been running for 25.0 hours" in texts(at)
    table = at.dataframe[0].value
    assert table["Model"].tolist() == ["lite-bot"] and table["Throughput"].iloc[0] == "$177.50"
    assert metrics(at)["Known costs so far"].startswith("$17")


def test_the_model_page_shows_its_cost_meter(lite: World, make_app) -> None:
    data = jsonl()
    model = lite.customization.create(
        NewCustomModel(name="lite-bot", base_model_id=LITE), Upload("t.jsonl", io.BytesIO(data), len(data)), actor=ADMIN
    )
    lite.clock.advance(seconds=61)
    lite.customization.refresh(model.id)
    at = make_app().run()
    at.switch_page("views/custom_model.py")
    at.query_params["model"] = model.id
    at.run()
    shown = metrics(at)
    assert shown["Throughput"] == "$0.00" and shown["Training"].startswith("$") and shown["Total"].startswith("$")


class StubbedSession:
    """A boto3 session whose clients are real (botocore builds and validates every request) and
    whose Price List client answers from botocore's Stubber: aws mode, wired by build_services."""

    def __init__(self) -> None:
        import boto3
        from botocore.stub import Stubber

        self._session = boto3.Session(region_name="us-east-1")
        self.pricing = self._session.client("pricing", region_name="us-east-1")
        self.stubber = Stubber(self.pricing)
        self.stubber.activate()

    def client(self, service: str, region_name: str, config: object = None) -> object:
        if service == "pricing":
            return self.pricing
        return self._session.client(service, region_name=region_name, config=config)  # type: ignore[call-overload]


def test_in_aws_mode_the_costs_page_refreshes_prices_and_shows_the_changes(monkeypatch, tmp_path, make_app) -> None:
    import json

    from services.bootstrap import build_services
    from services.settings import load_settings
    from ui import deps

    session = StubbedSession()
    product = {
        "product": {"attributes": {"usagetype": "USE1-Customization-Training", "model": "Titan Text G1 - Lite"}},
        "terms": {
            "OnDemand": {"T": {"priceDimensions": {"D": {"unit": "1K tokens", "pricePerUnit": {"USD": "0.0005"}}}}}
        },
    }
    other = {"product": {"attributes": {"usagetype": "USE1-Other", "model": "Nothing we know"}}, "terms": {}}
    session.stubber.add_response(
        "get_products",
        {"PriceList": [json.dumps(product), json.dumps(other), json.dumps(other)]},
        {
            "ServiceCode": "AmazonBedrock",
            "Filters": [{"Type": "TERM_MATCH", "Field": "regionCode", "Value": "us-east-1"}],
        },
    )
    session.stubber.add_response(  # every configured region is refreshed: nothing new in the second
        "get_products",
        {"PriceList": []},
        {
            "ServiceCode": "AmazonBedrock",
            "Filters": [{"Type": "TERM_MATCH", "Field": "regionCode", "Value": "us-west-2"}],
        },
    )
    settings = load_settings(
        backend="aws", data_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'studio.db'}", allow_anonymous=True
    )
    services = build_services(settings, aws_session=session)  # production wiring, prices included
    services.start(background=False)  # the catalog filled, as the server starts it
    assert services.costs.can_refresh
    monkeypatch.setattr(deps, "get_services", lambda: services)
    at = open_page(make_app, "views/costs.py")
    at.button(key="costs_refresh_prices").click().run()
    assert not at.exception
    assert "1 price(s) changed, 0 unchanged, 2 product(s) matched no catalog entry" in texts(at)
    assert at.dataframe[0].value["new"].tolist() == [0.0005]
    session.stubber.assert_no_pending_responses()
    replica = build_services(settings, aws_session=StubbedSession())  # another process on the same database
    replica.start(background=False)  # the catalog filled, as the server starts it
    titan = replica.costs.prices.lookup("amazon.titan-text-lite-v1:0:4k", "us-east-1")
    assert titan is not None and titan.training is not None
    assert titan.training.price == 0.0005 and titan.training.source.startswith("AWS Price List API")


def test_in_local_mode_the_refresh_is_not_offered(world: World, make_app) -> None:
    at = open_page(make_app, "views/costs.py")
    assert "needs the aws backend" in texts(at)


def test_the_estimator_compares_throughput_with_on_demand(monkeypatch, tmp_path, make_app) -> None:
    from ui import deps

    w = World(
        tmp_path, price_overrides={"amazon.titan-text-lite-v1": {"on_demand_input": 0.001, "on_demand_output": 0.002}}
    )
    w.catalog.sync(actor=ADMIN)
    monkeypatch.setattr(deps, "get_services", lambda: w.services)
    at = open_page(make_app, "views/estimator.py")
    at.selectbox(key=Key.EST_BASE).set_value(LITE)
    at.number_input(key=Key.EST_OD_IN).set_value(2_000_000)
    at.number_input(key=Key.EST_OD_OUT).set_value(1_000_000)
    at.button(key=Key.EST_RUN).click().run()
    assert not at.exception
    shown = metrics(at)
    assert shown["On demand"] == "$4.00" and shown["Throughput"].startswith("$")  # 2,000 × 0.001 + 1,000 × 0.002
    assert shown["Break-even"].endswith("tokens") and "on demand is cheaper" in texts(at)


def test_the_costs_page_shows_spend_over_time_what_runs_and_keeps_deleted_models(lite: World, make_app) -> None:
    model = served_lite_bot(lite, hours=5)
    at = open_page(make_app, "views/costs.py")
    charts = {str(c.key) for c in at.get("plotly_chart")}
    assert {"spend-components", "spend-models", "spend-top"} <= charts
    running = at.dataframe[1].value
    assert running["Model"].tolist() == ["lite-bot"] and running["Running for"].iloc[0] == "5 h 0 min"
    before = metrics(at)["Known costs so far"]
    lite.customization.remove_throughput(model.id, actor=ADMIN)
    lite.customization.delete(model.id, actor=ADMIN)
    at = open_page(make_app, "views/costs.py")
    assert at.dataframe[0].value["Model"].iloc[0].startswith("lite-bot (deleted ")
    assert metrics(at)["Known costs so far"] == before  # AWS billed it: the spend stays


def test_an_admin_sets_a_price_without_a_source_on_the_costs_page(lite: World, make_app, monkeypatch) -> None:
    from tests.support.factories import LLAMA
    from tests.support.fakes import MEMBER
    from ui import deps

    at = open_page(make_app, "views/costs.py")
    shown = texts(at)
    assert "No source was found for these prices" in shown and "aws.amazon.com/bedrock/pricing" in shown
    at.selectbox(key=Key.PRICE_MODEL).set_value(f"{LLAMA}|us-east-1")  # where this catalog offers it
    at.selectbox(key=Key.PRICE_COMPONENT).set_value("training")
    at.number_input(key=Key.PRICE_VALUE).set_value(0.0015)
    at.text_input(key=Key.PRICE_SOURCE).set_value("AWS pricing page, read 2026-12-04")
    at.button(key=Key.PRICE_SAVE).click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert "set to $0.0015" in texts(at)
    missing = at.dataframe[-1].value
    assert not ((missing["Model"] == "Llama 3.1 8B Instruct") & (missing["Price"].str.startswith("Training"))).any()
    assert lite.services.costs.prices_for(LLAMA, "us-east-1").training.price == 0.0015
    (event,) = lite.store.audit.audit_events(action="set-price")
    assert event.actor_id == "local-admin" and "read 2026-12-04" in event.detail
    at.text_input(key=Key.PRICE_SOURCE).set_value("")  # no source: refused, with what is wrong
    at.button(key=Key.PRICE_SAVE).click().run()
    assert any("Source" in e.value for e in at.error)
    monkeypatch.setattr(deps, "get_actor", lambda: MEMBER)
    member = open_page(make_app, "views/costs.py")
    assert "An admin can set a price here" in texts(member)
    assert not [b for b in member.button if b.key == Key.PRICE_SAVE]
