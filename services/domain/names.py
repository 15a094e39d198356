"""Names Model Studio generates for Bedrock resources (jobs, throughput, deployments), always inside
Bedrock's patterns: ``([0-9a-zA-Z][_-]?)+`` at most 63 characters, the strictest of them (job names
also allow '.' and '+'; nothing generated uses them). A cut never leaves a separator before the
suffix, so "…a-" + "-pt-3" cannot become "…a--pt-3"."""

from __future__ import annotations

import re

MAX_NAME = 63
_OTHER = re.compile(r"[^0-9A-Za-z_-]+")
_RUNS = re.compile(r"[-_]{2,}")


def bedrock_name(base: str, suffix: str = "", limit: int = MAX_NAME) -> str:
    core = _RUNS.sub("-", _OTHER.sub("-", base)).strip("-_")
    room = limit - (len(suffix) + 1 if suffix else 0)
    core = core[:room].rstrip("-_") or "m"
    name = f"{core}-{suffix}" if suffix else core
    assert re.fullmatch(r"([0-9a-zA-Z][_-]?)+", name) and len(name) <= limit, name
    return name
