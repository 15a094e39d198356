"""s3:// URIs as Bedrock accepts them (bedrock-facts §1.1, the S3Uri pattern)."""

from __future__ import annotations

import re

from services.errors import InvalidRequest

S3_URI = re.compile(r"s3://[a-z0-9][-.a-z0-9]{1,61}[a-z0-9](?:/[-!_*'().a-z0-9A-Z]+(?:/[-!_*'().a-z0-9A-Z]+)*)?/?")
_KEY_SAFE = re.compile(r"[^-!_*'().a-zA-Z0-9]")


def parse_s3_uri(uri: str, *, what: str = "S3 URI") -> tuple[str, str]:
    """(bucket, key) of an s3:// URI Bedrock would accept, or InvalidRequest saying why not."""
    text = uri.strip()
    if not text.startswith("s3://"):
        raise InvalidRequest(f"{what}: {uri!r} is not an s3:// URI (e.g. s3://my-bucket/data/train.jsonl).")
    if len(text) > 1024 or not S3_URI.fullmatch(text):
        raise InvalidRequest(
            f"{what}: {uri!r} is not a URI Bedrock accepts: bucket names are 3-63 lowercase letters, "
            "digits, dots or hyphens; keys may use letters, digits and - ! _ * ' ( ) . only."
        )
    bucket, _, key = text[5:].partition("/")
    return bucket, key


def join(base: str, *parts: str) -> str:
    return "/".join([base.rstrip("/"), *(p.strip("/") for p in parts)])


def safe_key_part(text: str, limit: int = 80) -> str:
    """A file or model name made safe for a Bedrock S3 key."""
    cleaned = _KEY_SAFE.sub("-", text).strip("-.") or "data"
    return cleaned[:limit]
