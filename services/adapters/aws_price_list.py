"""Bedrock customization prices from the AWS Price List API (boto3 ``pricing``).

A product is matched by its usage type: ``<region code>-<model family>-Customization-Training`` (for
example ``USE1-NovaMicro-Customization-Training`` or ``USW2-Llama3-3-70B-Customization-Training``, as
published Price List outputs show them), ``…-Customization-Storage``, and the no-commitment throughput
hours. The model family names a base model (USAGE_FAMILIES below); a product without one falls back to
a ``model`` attribute. The rules are data: correct them when AWS names a product otherwise. Anything
that does not match is counted, never guessed.
"""

from __future__ import annotations

import json
import re
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from services.domain.errors import ProviderUnavailable, summarize
from services.domain.records import PriceQuote

COMPONENT_MARKERS = (
    ("Customization-Training", "training"),
    ("Customization-Storage", "storage_month"),
    ("ProvisionedThroughput-NoCommit", "inference_no_commit"),
)
MODEL_ATTRIBUTES = ("model", "modelName", "titanModel")
# the model family in a usage type -> the base model id prefix of the price catalog
USAGE_FAMILIES = {
    "NovaMicro": "amazon.nova-micro-v1",
    "NovaLite": "amazon.nova-lite-v1",
    "NovaPro": "amazon.nova-pro-v1",
    "Nova2.0Lite": "amazon.nova-2-lite-v1",
    "NovaCanvas": "amazon.nova-canvas-v1",
    "Llama3-1-8B": "meta.llama3-1-8b-instruct-v1",
    "Llama3-1-70B": "meta.llama3-1-70b-instruct-v1",
    "Llama3-2-1B": "meta.llama3-2-1b-instruct-v1",
    "Llama3-2-3B": "meta.llama3-2-3b-instruct-v1",
    "Llama3-2-11B": "meta.llama3-2-11b-instruct-v1",
    "Llama3-2-90B": "meta.llama3-2-90b-instruct-v1",
    "Llama3-3-70B": "meta.llama3-3-70b-instruct-v1",
    "Claude3Haiku": "anthropic.claude-3-haiku-20240307-v1",
}
USAGE_TYPE = re.compile(r"^[A-Z]{2,4}\d?-(?P<family>.+?)-(?:Customization|ProvisionedThroughput)")


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
    named = USAGE_TYPE.match(usage)
    prefix = USAGE_FAMILIES.get(named["family"]) if named else None
    model = next((str(attributes[a]) for a in MODEL_ATTRIBUTES if attributes.get(a)), None) or prefix
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
                    model_prefix=prefix,
                    component=component,
                    price=price,
                    unit=str(dimension.get("unit", "")),
                    description=str(dimension.get("description", "")),
                )
    return None
