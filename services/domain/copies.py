"""Copying a custom model to another region (CreateModelCopyJob, made in the target region): which base models'
custom models Bedrock copies where (services/data/copies.toml, with its source), and why a copy is refused."""

from __future__ import annotations

import tomllib
from pathlib import Path

COPIES_FILE = Path(__file__).resolve().parent.parent / "data" / "copies.toml"
_TABLE = tomllib.loads(COPIES_FILE.read_text(encoding="utf-8"))
COPY_URL: str = _TABLE["source"]
COPY_REGIONS: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = tuple(
    (tuple(row["id_prefixes"]), tuple(row["regions"])) for row in _TABLE["copy"]
)


def copy_regions(base_model_id: str) -> tuple[str, ...]:
    """The regions Bedrock copies custom models of this base model to (none: it does not copy them)."""
    bare = base_model_id.removeprefix("bedrock:")
    return next((regions for prefixes, regions in COPY_REGIONS if bare.startswith(prefixes)), ())


def copy_problem(
    base_model_id: str, base_name: str, source_region: str, target: str, configured: tuple[str, ...]
) -> str | None:
    """Why a custom model of this base cannot be copied from ``source_region`` to ``target`` (None: it can)."""
    allowed = copy_regions(base_model_id)
    if not allowed:
        return f"Bedrock does not copy custom models of {base_name} to other regions ({COPY_URL})."
    if target == source_region:
        return f"Region: the model is in {target} already."
    if target not in allowed:
        return (
            f"Region: Bedrock copies custom models of {base_name} to {', '.join(allowed)}, not {target} ({COPY_URL})."
        )
    if target not in configured:
        return f"Region: {target} is not configured (STUDIO_AWS_REGIONS: {', '.join(configured)}); add it first."
    return None
