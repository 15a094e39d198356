"""AwsPriceList with botocore's Stubber, and a refresh through CostService that says what changed."""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest
from botocore.stub import Stubber

from services.adapters.aws_price_list import AwsPriceList
from services.costs.ledger import CostService
from services.costs.pricing import PriceCatalog, load_price_file, parse_overrides
from services.domain.errors import InvalidRequest, ProviderUnavailable
from tests.support.fakes import ADMIN, World


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
        ("Titan Text G1 - Lite (us-east-1)", "training", 0.0004, 0.0005),
        ("Titan Text G1 - Lite (us-east-1)", "storage_month", 2.5, 1.95),
    ]
    assert report.unmatched == 1
    lite = costs.prices_for("bedrock:amazon.titan-text-lite-v1:0:4k")
    assert lite.training.price == 0.0005 and lite.training.source.startswith("AWS Price List API")
    assert lite.storage_month.price == 2.5  # an override in settings still wins


def test_without_the_aws_backend_there_is_no_refresh(tmp_path: Path) -> None:
    world = World(tmp_path)
    with pytest.raises(InvalidRequest, match="needs the aws backend"):
        world.costs.refresh_prices(actor=ADMIN)


def usage_product(usage_type: str, region: str, usd: str, unit: str, description: str) -> str:
    """A product as the Price List API publishes Bedrock customization: a usage type and the region,
    no model attribute."""
    return json.dumps(
        {
            "product": {
                "productFamily": "Amazon Bedrock",
                "attributes": {"usagetype": usage_type, "regionCode": region, "servicecode": "AmazonBedrock"},
                "sku": "SKU",
            },
            "serviceCode": "AmazonBedrock",
            "terms": {
                "OnDemand": {
                    "SKU.JRTCKXETXF": {
                        "priceDimensions": {
                            "SKU.JRTCKXETXF.6YS6EN2CT7": {
                                "unit": unit,
                                "pricePerUnit": {"USD": usd},
                                "description": description,
                            }
                        }
                    }
                }
            },
        }
    )


def test_a_refresh_matches_usage_types_in_every_configured_region(tmp_path: Path) -> None:
    client = boto3.client("pricing", region_name="us-east-1")
    world = World(tmp_path)
    world.catalog.sync(actor=ADMIN)
    with Stubber(client) as stubber:
        stubber.add_response(
            "get_products",
            {"PriceList": [
                usage_product("USE1-NovaMicro-Customization-Training", "us-east-1", "0.0010000000", "1K tokens",
                              "$0.001 per 1K tokens for Nova Micro customization training"),
                usage_product("USE1-NovaPro-Customization-Training", "us-east-1", "0.0080000000", "1K tokens",
                              "$0.008 per 1K tokens for Nova Pro customization training"),
                usage_product("USE1-Nova-ProvisionedThroughput", "us-east-1", "1.0", "Hrs", "not a customization"),
            ], "FormatVersion": "aws_v1"},
            EXPECTED,
        )  # fmt: skip
        stubber.add_response(
            "get_products",
            {"PriceList": [
                usage_product("USW2-Llama3-1-8B-Customization-Training", "us-west-2", "0.0015000000", "1K tokens",
                              "$0.0015 per 1K tokens for Llama 3.1 8B customization training"),
                usage_product("USW2-Llama3-1-8B-Customization-Storage", "us-west-2", "1.9500000000", "Month",
                              "$1.95 per custom model per month"),
            ], "FormatVersion": "aws_v1"},
            {"ServiceCode": "AmazonBedrock", "Filters": [{"Type": "TERM_MATCH", "Field": "regionCode", "Value": "us-west-2"}]},
        )  # fmt: skip
        costs = CostService(
            world.store, world.store, PriceCatalog(load_price_file()), "us-east-1",
            regions=("us-east-1", "us-west-2"), clock=world.clock, price_store=world.store,
            price_list=AwsPriceList(client),
        )  # fmt: skip
        report = costs.refresh_prices(actor=ADMIN)
        stubber.assert_no_pending_responses()
    assert report.unmatched == 1  # the base model's own throughput: not a customization price
    catalog = costs.prices
    assert catalog.lookup("amazon.nova-micro-v1:0:128k", "us-east-1").training.price == 0.001
    assert catalog.lookup("amazon.nova-pro-v1:0:300k", "us-east-1").training.price == 0.008
    llama = catalog.lookup("meta.llama3-1-8b-instruct-v1:0:128k", "us-west-2")
    assert llama.training.price == 0.0015 and "Llama 3.1 8B" in llama.training.source
    assert llama.storage_month.price == 1.95
    # a price refreshed for one region is not another region's
    assert catalog.lookup("meta.llama3-1-8b-instruct-v1:0:128k", "us-east-1") is None or (
        catalog.lookup("meta.llama3-1-8b-instruct-v1:0:128k", "us-east-1").training.price is None
    )
    assert {c.label for c in report.changes} == {"Amazon Nova Pro (us-east-1)", "Meta Llama 3.1 Instruct (us-west-2)"}
    assert report.unchanged == 2  # Nova Micro's training and Llama's storage: as the catalog had them
