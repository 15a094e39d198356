"""Cross-Region inference profiles: which profile Bedrock Runtime is called with for a model served only through
one. The geographies of system-defined profiles (CDK's CrossRegionInferenceProfileRegion: GLOBAL, EU, US, US_GOV,
APAC, JP, AU) and, per calling region, the order Model Studio prefers them in: the most local one first (data stays
nearest), then the wider one, then global. In aws mode the profiles Bedrock lists for the region
(ListInferenceProfiles) decide which exist; the local simulation takes the first of the order.
https://docs.aws.amazon.com/bedrock/latest/userguide/inference-profiles-support.html"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

# calling region prefix -> the geographies to try, most local first ("global" reaches every commercial region)
_ORDER: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("us-gov-", ("us-gov",)),
    ("us-", ("us", "global")),
    ("ca-", ("us", "global")),
    ("eu-", ("eu", "global")),
    ("ap-northeast-1", ("jp", "apac", "global")),
    ("ap-northeast-3", ("jp", "apac", "global")),
    ("ap-southeast-2", ("au", "apac", "global")),
    ("ap-southeast-4", ("au", "apac", "global")),
    ("ap-", ("apac", "global")),
)
GEOGRAPHIES = ("global", "us", "us-gov", "eu", "apac", "jp", "au")


def geographies_for(region: str) -> tuple[str, ...]:
    """The profile geographies a call from ``region`` may use, most local first (none: a region of none)."""
    return next((order for prefix, order in _ORDER if region.startswith(prefix)), ("global",))


def profile_for(model_id: str, region: str, listed: Mapping[str, Sequence[str]] | None) -> str | None:
    """The inference profile id to call ``model_id`` with from ``region``: of the profiles Bedrock lists there for
    the model (``listed``: model id -> profile ids; None: not asked, the simulation), the most local geography;
    None when Bedrock lists none for it in the region."""
    order = geographies_for(region)
    if listed is None:
        return f"{order[0]}.{model_id}"
    profiles = listed.get(model_id, ())
    by_geo = {p.split(".", 1)[0]: p for p in profiles}
    for geo in order:
        if geo in by_geo:
            return by_geo[geo]
    return profiles[0] if profiles else None
