"""What a setting's value may be: each check raises ValueError with the words the start-up message
shows beside the variable's name."""

from __future__ import annotations

import re
from typing import Any

REGION_PATTERN = r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$"


def split_pairs(value: Any) -> Any:
    """key=value,key=value into a dict; what a key or value may be is checked after."""
    if isinstance(value, str):
        pairs = [p.strip() for p in value.split(",") if p.strip()]
        bad = [p for p in pairs if "=" not in p or not p.split("=", 1)[0].strip()]
        if bad:
            raise ValueError(f"give key=value pairs, not {', '.join(bad)}")
        return {k.strip(): v.strip() for k, v in (p.split("=", 1) for p in pairs)}
    return value


def tags(value: dict[str, str]) -> dict[str, str]:
    bad = [k for k, v in value.items() if not re.fullmatch(r"[\w.:/=+@ -]{1,128}", k) or len(v) > 256]
    if bad or len(value) > 50:
        raise ValueError(
            "AWS tags: keys of 1-128 letters, digits, spaces or _ . : / = + - @, values up to 256, "
            f"at most 50 tags; check {', '.join(bad) or 'the count'}"
        )
    return value


def kms(value: str | None) -> str | None:
    pattern = (
        r"(arn:aws(-[^:]+)?:kms:[a-zA-Z0-9-]*:[0-9]{12}:((key/[a-zA-Z0-9-]{36})|(alias/[a-zA-Z0-9-_/]+)))"
        r"|([a-zA-Z0-9-]{36})|(alias/[a-zA-Z0-9-_/]+)"
    )
    if value is not None and not re.fullmatch(pattern, value):
        raise ValueError("not a KMS key id, key ARN or alias (Bedrock's pattern)")
    return value


def split_regions(value: Any) -> Any:
    if isinstance(value, str):
        value = [part.strip() for part in value.split(",") if part.strip()]
    return value


def regions(value: list[str]) -> list[str]:
    if not value:
        raise ValueError("at least one region is needed, e.g. us-east-1")
    bad = [r for r in value if not re.match(REGION_PATTERN, r)]
    if bad:
        raise ValueError(f"not an AWS region name: {', '.join(bad)} (e.g. us-east-1)")
    return list(dict.fromkeys(value))


def database_url(value: str | None) -> str | None:
    if value is None:
        return None
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        url = make_url(value)
    except ArgumentError as exc:
        raise ValueError(f"not a database URL ({exc})") from exc
    if url.get_backend_name() not in ("sqlite", "postgresql"):
        raise ValueError("only sqlite:// and postgresql:// URLs are supported")
    return value


def region_buckets(value: dict[str, str]) -> dict[str, str]:
    for region, bucket in value.items():
        if not re.match(REGION_PATTERN, region):
            raise ValueError(f"not an AWS region name: {region}")
        if not re.fullmatch(r"[a-z0-9][-.a-z0-9]{1,61}[a-z0-9]", bucket):
            raise ValueError(f"not an S3 bucket name: {bucket}")
    return value


def hosts(value: list[str]) -> list[str]:
    if not value:
        raise ValueError("at least one host is needed, e.g. 127.0.0.1,localhost")
    hosts = [h.lower() for h in value]
    bad = [h for h in hosts if h != "*" and not re.fullmatch(r"\[[0-9a-f:.]+\]|[a-z0-9]([-a-z0-9.]*[a-z0-9])?", h)]
    if bad:
        raise ValueError(f"not a host name: {', '.join(bad)} (no scheme or port: e.g. studio.example.com)")
    return list(dict.fromkeys(hosts))


def header_name(value: str | None) -> str | None:
    if value is not None and not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9-]{0,63}", value):
        raise ValueError("not an HTTP header name (letters, digits and '-')")
    return value


def bucket(value: str) -> str:
    if not re.fullmatch(r"[a-z0-9][-.a-z0-9]{1,61}[a-z0-9]", value):
        raise ValueError("not an S3 bucket name (3-63 lowercase letters, digits, dots, hyphens)")
    return value


def buckets(value: list[str]) -> list[str]:
    bad = [b for b in value if not re.fullmatch(r"[a-z0-9][-.a-z0-9]{1,61}[a-z0-9]", b)]
    if bad:
        raise ValueError(f"not an S3 bucket name: {', '.join(bad)}")
    return value


def prefix(value: str) -> str:
    value = value.strip("/")
    if value and not re.fullmatch(r"[-!_*'().a-zA-Z0-9]+(/[-!_*'().a-zA-Z0-9]+)*", value):
        raise ValueError("letters, digits, - ! _ * ' ( ) . and / only (Bedrock's S3 URI rule)")
    return value


def role(value: str | None) -> str | None:
    if value is not None and not re.fullmatch(r"arn:aws(-[^:]+)?:iam::([0-9]{12})?:role/.+", value):
        raise ValueError("not an IAM role ARN (arn:aws:iam::123456789012:role/Name)")
    return value


def overrides(value: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
    from services.costs.pricing import parse_overrides
    from services.domain.errors import InvalidRequest

    try:
        parse_overrides(value)
    except InvalidRequest as exc:
        raise ValueError(str(exc)) from None
    return value
