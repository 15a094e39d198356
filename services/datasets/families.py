"""Every base-model family Model Studio has data rules for, read from the data file
services/data/families.toml (its format, limits, hyperparameters and the source of each rule; the
types are in services/datasets/specs.py). A new family, or a changed limit, is an edit to that file."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from services.datasets.specs import Family, HyperParameter, RecordRules, Teacher

FAMILIES_FILE = Path(__file__).resolve().parent.parent / "data" / "families.toml"


def _hyperparameters(given: str | list[dict[str, Any]], table: dict[str, Any]) -> tuple[HyperParameter, ...]:
    rows = table["hyperparameters"][given] if isinstance(given, str) else given
    return tuple(
        HyperParameter(
            name=row["name"],
            kind=row["kind"],
            min=row.get("min", 0),
            max=row.get("max", 0),
            default=row.get("default"),
            choices=tuple(row.get("choices", ())),
            optional=row.get("optional", False),
            help=table["help"].get(row.get("help", ""), row.get("help", "")),  # a [help] name, or the words
            allows_auto=row.get("auto", False),
        )
        for row in rows
    )


def _rules(name: str, table: dict[str, Any]) -> RecordRules:
    """Named record rules: ``like`` starts from another set; ``sources`` names pages of [sources]."""
    given = dict(table["rules"][name])
    start = _rules(given.pop("like"), table) if "like" in given else RecordRules()
    sources = {rule: table["sources"][page] for rule, page in given.pop("sources", {}).items()}
    values = {k: frozenset(v) if k == "blocks" else tuple(v) if isinstance(v, list) else v for k, v in given.items()}
    return start.model_copy(update=values | {"sources": start.sources | sources})


def load_families(path: Path = FAMILIES_FILE) -> tuple[Family, ...]:
    """The families of a data file; a wrong entry is said with its family and what is wrong."""
    table = tomllib.loads(path.read_text(encoding="utf-8"))
    families = []
    for row in table["family"]:
        try:
            families.append(_family(dict(row), table))
        except (KeyError, ValueError) as exc:
            raise ValueError(f"{path.name}, family {row.get('key', '?')!r}: {exc}") from None
    return tuple(families)


def _family(values: dict[str, Any], table: dict[str, Any]) -> Family:
    values["hyperparameters"] = _hyperparameters(values["hyperparameters"], table)
    if "rules" in values:
        values["rules"] = _rules(values["rules"], table)
    if "limits_source" in values:
        values["limits_source"] = table["sources"][values["limits_source"]]
    values["batch_token_limits"] = tuple(tuple(limit) for limit in values.get("batch_token_limits", ()))
    return Family.model_validate(values)


FAMILIES: tuple[Family, ...] = load_families()


def load_teachers(path: Path = FAMILIES_FILE) -> tuple[Teacher, ...]:
    """Which teacher may teach which students in a distillation (the file's [[teacher]] entries)."""
    table = tomllib.loads(path.read_text(encoding="utf-8"))
    return tuple(
        Teacher(id_prefix=row["id_prefix"], students=tuple(row["students"]), source=table["sources"][row["source"]])
        for row in table.get("teacher", ())
    )


TEACHERS: tuple[Teacher, ...] = load_teachers()


def teacher_for(model_id: str) -> Teacher | None:
    """The distillation teacher a Bedrock model id is, with the students it may teach (None: it teaches none)."""
    return next((t for t in TEACHERS if model_id.startswith(t.id_prefix)), None)


def family_for(base_model_id: str, method: str = "FINE_TUNING") -> Family | None:
    """The data rules of a Bedrock base model id for a customization method (Bedrock's
    customizationType), or None when we have no table for it."""
    for family in FAMILIES:
        if family.method == method and any(base_model_id.startswith(prefix) for prefix in family.id_prefixes):
            return family
    return None
