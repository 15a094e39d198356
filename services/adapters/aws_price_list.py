"""Bedrock customization prices from the AWS Price List API (boto3 ``pricing``).

What the API calls these products is UNCONFIRMED (bedrock-facts §5.3 quotes usage types
"Customization-Training", "Customization-Storage", "ProvisionedThroughput-NoCommit-ModelUnits"
from a secondary source). The matching rules are data below: correct them when the real
attribute values are known. Anything that does not match is counted, never guessed.
"""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from services.errors import ProviderUnavailable, summarize
from services.models import PriceQuote

COMPONENT_MARKERS = (
    ("Customization-Training", "training"),
    ("Customization-Storage", "storage_month"),
    ("ProvisionedThroughput-NoCommit", "inference_no_commit"),
)
MODEL_ATTRIBUTES = ("model", "modelName", "titanModel")


class AwsPriceList:
    def __init__(self, client: Any) -> None:
        self._pricing = client

    def fetch(self, region: str) -> tuple[list[PriceQuote], int]:
        """Quotes for Bedrock customization in a region, and how many products did not match."""
        quotes: list[PriceQuote] = []
        unmatched = 0
        try:
            pages = self._pricing.get_paginator("get_products").paginate(
                ServiceCode="AmazonBedrock",
                Filters=[{"Type": "TERM_MATCH", "Field": "regionCode", "Value": region}],
            )
            for page in pages:
                for raw in page.get("PriceList", []):
                    quote = _quote(json.loads(raw) if isinstance(raw, str) else raw)
                    if quote is None:
                        unmatched += 1
                    else:
                        quotes.append(quote)
        except (ClientError, BotoCoreError) as exc:
            raise ProviderUnavailable(f"AWS Price List API: {summarize(str(exc))}") from exc
        return quotes, unmatched


def _quote(product: dict[str, Any]) -> PriceQuote | None:
    attributes = product.get("product", {}).get("attributes", {})
    usage = str(attributes.get("usagetype", ""))
    component = next((name for marker, name in COMPONENT_MARKERS if marker in usage), None)
    model = next((str(attributes[a]) for a in MODEL_ATTRIBUTES if attributes.get(a)), None)
    if component is None or model is None:
        return None
    for term in product.get("terms", {}).get("OnDemand", {}).values():
        for dimension in term.get("priceDimensions", {}).values():
            usd = dimension.get("pricePerUnit", {}).get("USD")
            try:
                price = float(usd)
            except (TypeError, ValueError):
                continue
            if price > 0:
                return PriceQuote(
                    model=model,
                    component=component,
                    price=price,
                    unit=str(dimension.get("unit", "")),
                    description=str(dimension.get("description", "")),
                )
    return None
