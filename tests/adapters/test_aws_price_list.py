"""AwsPriceList with botocore's Stubber, and a refresh through CostService that says what changed."""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest
from botocore.stub import Stubber

from services.adapters.aws_price_list import AwsPriceList
from services.costs import CostService
from services.errors import InvalidRequest, ProviderUnavailable
from services.pricing import PriceCatalog, load_price_file, parse_overrides
from tests.fakes import ADMIN, World


def product(model: str, usage: str, usd: str, unit: str = "1K tokens") -> str:
    return json.dumps(
        {
            "product": {"attributes": {"usagetype": f"USE1-{usage}", "model": model, "regionCode": "us-east-1"}},
            "terms": {
                "OnDemand": {
                    "SKU.TERM": {"priceDimensions": {"SKU.TERM.DIM": {"unit": unit, "pricePerUnit": {"USD": usd}}}}
                }
            },
        }
    )


@pytest.fixture
def stubbed():
    client = boto3.client("pricing", region_name="us-east-1")
    with Stubber(client) as stubber:
        yield AwsPriceList(client), stubber
        stubber.assert_no_pending_responses()


EXPECTED = {
    "ServiceCode": "AmazonBedrock",
    "Filters": [{"Type": "TERM_MATCH", "Field": "regionCode", "Value": "us-east-1"}],
}


def test_quotes_are_read_across_pages_and_unknown_products_are_counted(stubbed) -> None:
    prices, stubber = stubbed
    stubber.add_response(
        "get_products",
        {
            "PriceList": [
                product("Titan Text G1 - Lite", "Customization-Training", "0.0005"),
                product("Titan Text G1 - Lite", "Something-Else", "1"),
            ],
            "NextToken": "page2",
        },
        EXPECTED,
    )
    stubber.add_response(
        "get_products",
        {"PriceList": [product("Titan Text G1 - Lite", "ProvisionedThroughput-NoCommit-ModelUnits", "7.10", "Hrs")]},
        EXPECTED | {"NextToken": "page2"},
    )
    quotes, unmatched = prices.fetch("us-east-1")
    assert [(q.component, q.price) for q in quotes] == [("training", 0.0005), ("inference_no_commit", 7.10)]
    assert unmatched == 1


def test_an_unreachable_price_list_is_said(stubbed) -> None:
    prices, stubber = stubbed
    stubber.add_client_error("get_products", service_error_code="AccessDeniedException", service_message="no")
    with pytest.raises(ProviderUnavailable, match="AWS Price List API"):
        prices.fetch("us-east-1")


def test_a_refresh_reports_changes_and_the_new_prices_are_used(tmp_path: Path, stubbed) -> None:
    prices, stubber = stubbed
    stubber.add_response(
        "get_products",
        {
            "PriceList": [
                product("Titan Text G1 - Lite", "Customization-Training", "0.0005"),
                product("Titan Text G1 - Lite", "Customization-Storage", "1.95", "Month"),
                product("Some Future Model", "Customization-Training", "0.1"),
            ]
        },
        EXPECTED,
    )
    world = World(tmp_path)
    world.catalog.sync(actor=ADMIN)
    costs = CostService(
        world.store,
        world.store,
        PriceCatalog(load_price_file(), parse_overrides({"amazon.titan-text-lite-v1": {"storage_month": 2.5}})),
        "us-east-1",
        clock=world.clock,
        price_store=world.store,
        price_list=prices,
    )
    report = costs.refresh_prices(actor=ADMIN)
    assert [(c.label, c.component, c.old, c.new) for c in report.changes] == [
        ("Titan Text G1 - Lite", "training", 0.0004, 0.0005),
        ("Titan Text G1 - Lite", "storage_month", 2.5, 1.95),
    ]
    assert report.unmatched == 1
    lite = costs.prices_for("bedrock:amazon.titan-text-lite-v1:0:4k")
    assert lite.training.price == 0.0005 and lite.training.source == "AWS Price List API"
    assert lite.storage_month.price == 2.5  # an override in settings still wins


def test_without_the_aws_backend_there_is_no_refresh(tmp_path: Path) -> None:
    world = World(tmp_path)
    with pytest.raises(InvalidRequest, match="needs the aws backend"):
        world.costs.refresh_prices(actor=ADMIN)
