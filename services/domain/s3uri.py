"""s3:// URIs as Bedrock accepts them (bedrock-facts §1.1, the S3Uri pattern), and the one rule every
URI a user gives passes before anything is read: ``user_uri`` (parse, then the bucket allowlist).

Training, validation and evaluation data, Check data, estimates: every route and page that takes an
S3 URI from a user calls ``user_uri`` first (tests/security/test_campaign3.py enumerates the API's URI
fields from its OpenAPI schema and attacks each one)."""

from __future__ import annotations

import re

from services.domain.errors import BucketNotAllowed, InvalidRequest

S3_URI = re.compile(r"s3://[a-z0-9][-.a-z0-9]{1,61}[a-z0-9](?:/[-!_*'().a-z0-9A-Z]+(?:/[-!_*'().a-z0-9A-Z]+)*)?/?")
_KEY_SAFE = re.compile(r"[^-!_*'().a-zA-Z0-9]")


MAX_SEGMENT_BYTES = 255  # one folder or file name (what a file system, and so the local backend, takes)
MAX_KEY_BYTES = 1024  # S3's limit for a whole key


def parse_s3_uri(uri: str, *, what: str = "S3 URI") -> tuple[str, str]:
    """(bucket, key) of an s3:// URI Bedrock would accept, or InvalidRequest saying why not.

    The key is taken literally, as S3 does; one that a file system or a proxy would read as another
    path (``.`` or ``..`` segments, empty segments, ``%2e``-style escapes, backslashes) is refused
    before any allowlist check, in every backend, so a URI always names the bucket it says."""
    text = uri.strip()
    if not text.startswith("s3://"):
        raise InvalidRequest(f"{what}: {uri!r} is not an s3:// URI (e.g. s3://my-bucket/data/train.jsonl).")
    rest = text[5:]
    segments = rest.split("/")[1:]
    if segments and segments[-1] == "":
        segments = segments[:-1]  # a trailing slash names a folder
    if "\\" in rest or "%" in rest:
        raise InvalidRequest(f"{what}: {uri!r} has a backslash or a %-escape; give the key as plain text.")
    bad = [s for s in segments if s in ("", ".", "..")]
    if bad:
        shown = "an empty segment ('//')" if "" in bad else f"a {bad[0]!r} segment"
        raise InvalidRequest(
            f"{what}: {uri!r} has {shown}; S3 keys are taken literally, so a path like this would name a "
            "different object than it seems. Give the key without '.', '..' or '//'."
        )
    long = [s for s in segments if len(s.encode()) > MAX_SEGMENT_BYTES]
    if long:
        raise InvalidRequest(
            f"{what}: a folder or file name in {uri[:80]!r}… is {len(long[0].encode()):,} bytes; "
            f"at most {MAX_SEGMENT_BYTES} bytes per name."
        )
    if len("/".join(segments).encode()) > MAX_KEY_BYTES:
        raise InvalidRequest(f"{what}: the key is longer than S3's {MAX_KEY_BYTES:,} bytes.")
    if len(text) > 1024 or not S3_URI.fullmatch(text):
        raise InvalidRequest(
            f"{what}: {uri!r} is not a URI Bedrock accepts: bucket names are 3-63 lowercase letters, "
            "digits, dots or hyphens; keys may use letters, digits and - ! _ * ' ( ) . only."
        )
    bucket, _, key = text[5:].partition("/")
    return bucket, key


def user_uri(uri: str, allowed: frozenset[str] | None, *, what: str = "S3 URI") -> tuple[str, str]:
    """(bucket, key) of an S3 URI a user gave: parsed as Bedrock would (``parse_s3_uri``), then refused
    unless its bucket is one Model Studio may read for its users (STUDIO_S3_BUCKET, the per-region
    buckets and STUDIO_ALLOWED_BUCKETS; ``None``: any bucket). Called before anything is read, so a
    refused URI is never opened, sized or listed, in any backend."""
    bucket, key = parse_s3_uri(uri, what=what)
    if allowed is not None and bucket not in allowed:
        raise BucketNotAllowed(
            f"{what} {uri.strip()[:200]}: bucket {bucket!r} is not one Model Studio may read; allowed: "
            f"{', '.join(sorted(allowed))} (STUDIO_S3_BUCKET, STUDIO_S3_BUCKETS and STUDIO_ALLOWED_BUCKETS)."
        )
    return bucket, key


def join(base: str, *parts: str) -> str:
    return "/".join([base.rstrip("/"), *(p.strip("/") for p in parts)])


def safe_key_part(text: str, limit: int = 80) -> str:
    """A file or model name made safe for a Bedrock S3 key."""
    cleaned = _KEY_SAFE.sub("-", text).strip("-.") or "data"
    return cleaned[:limit]
