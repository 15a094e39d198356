"""Imported models (Custom Model Import, CreateModelImportJob): what Bedrock takes from an S3 folder and why it
refuses one (the file named), which architectures it serves by Converse and which by InvokeModel only, and what a
5-minute window of an imported model costs. The facts are data (services/data/imports.toml) with their pages."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

from pydantic import BaseModel, ConfigDict

IMPORTS_FILE = Path(__file__).resolve().parent.parent / "data" / "imports.toml"
_TABLE = tomllib.loads(IMPORTS_FILE.read_text(encoding="utf-8"))
IMPORT_URL: str = _TABLE["source"]
SERVING_URL: str = _TABLE["serving_source"]
COST_URL: str = _TABLE["cost_source"]
PRICING_PAGE: str = _TABLE["pricing_page"]
REQUIRED_FILES: tuple[str, ...] = tuple(_TABLE["required_files"])
WEIGHTS_SUFFIX: str = _TABLE["weights_suffix"]
CONFIG_LIMIT = 1_000_000  # a config.json is a few KB; more is not read
WINDOW_MINUTES: int = int(_TABLE["window_minutes"])
STORAGE_PER_CMU_MONTH: float = float(_TABLE["storage_per_cmu_month"])
CMU_PRICES: dict[str, tuple[float, str]] = {
    row["version"]: (float(row["per_minute"]), row["source"]) for row in _TABLE["cmu_price"]
}


class Architecture(BaseModel):
    model_config = ConfigDict(frozen=True)

    model_type: str  # config.json's "model_type"
    name: str
    vendor: str
    converse: bool  # Converse/ConverseStream serve it; otherwise InvokeModel (an OpenAI-compatible body)


ARCHITECTURES: dict[str, Architecture] = {row["model_type"]: Architecture(**row) for row in _TABLE["architecture"]}


class ImportDetails(BaseModel):
    """What Bedrock says of an imported model (GetImportedModel), kept with its record."""

    model_config = ConfigDict(frozen=True)

    architecture: str  # as Bedrock names it (modelArchitecture), or config.json's model_type before it answers
    converse: bool  # instructSupported: Converse serves it; otherwise InvokeModel
    custom_model_units: int | None = None  # customModelUnitsPerModelCopy
    cmu_version: str | None = None  # customModelUnitsVersion: which price per CMU-minute applies
    source_uri: str = ""  # the S3 folder it was imported from

    @property
    def invoke_api(self) -> str:
        return "Converse" if self.converse else "InvokeModel"


def architecture_of(model_type: str) -> Architecture | None:
    return ARCHITECTURES.get(model_type.strip().lower())


def folder_problems(files: dict[str, int], config: bytes | None) -> tuple[Architecture | None, list[str]]:
    """Why Bedrock would refuse this folder (its files by name relative to the folder, with their sizes; the text of
    its config.json, None when it has none), each naming the file; and the architecture its config.json declares."""
    problems: list[str] = []
    top = {name for name in files if "/" not in name}
    for name in REQUIRED_FILES:
        if name not in top:
            problems.append(
                f"{name}: missing from the folder; Bedrock imports Hugging Face weights with it ({IMPORT_URL})."
            )
    weights = [name for name in top if name.endswith(WEIGHTS_SUFFIX)]
    if not weights:
        pickled = sorted(name for name in top if name.endswith((".bin", ".pt", ".pth", ".ckpt")))
        said = f" (found {', '.join(pickled[:3])}: convert them to safetensors)" if pickled else ""
        problems.append(f"*{WEIGHTS_SUFFIX}: no weights in safetensors format in the folder{said} ({IMPORT_URL}).")
    empty = sorted(name for name in weights if files[name] == 0)
    if empty:
        problems.append(f"{empty[0]}: the weights file is empty.")
    if config is None:
        return None, problems
    try:
        parsed = json.loads(config)
    except (ValueError, UnicodeDecodeError):
        return None, [*problems, "config.json: not valid JSON."]
    model_type = parsed.get("model_type") if isinstance(parsed, dict) else None
    if not isinstance(model_type, str) or not model_type.strip():
        return None, [*problems, 'config.json: no "model_type", so Bedrock cannot tell the architecture.']
    found = architecture_of(model_type)
    if found is None:
        known = ", ".join(sorted(ARCHITECTURES))
        return None, [
            *problems,
            f'config.json: model_type "{model_type[:60]}" is not an architecture Bedrock imports ({known}).',
        ]
    return found, problems


def window_price(details: ImportDetails) -> float | None:
    """What one 5-minute window of one running copy costs (CMUs x the price per CMU-minute x 5), or None when the
    CMUs or the price of their version are not known."""
    if details.custom_model_units is None or details.cmu_version not in CMU_PRICES:
        return None
    per_minute, _ = CMU_PRICES[details.cmu_version]
    return round(details.custom_model_units * per_minute * WINDOW_MINUTES, 6)


def price_said(details: ImportDetails) -> str:
    """The cost of running it, in words (what AWS publishes, or where it does not)."""
    if details.custom_model_units is None:
        return f"Custom Model Units are known once the import completes ({COST_URL})."
    window = window_price(details)
    storage = details.custom_model_units * STORAGE_PER_CMU_MONTH
    if window is None:
        return (
            f"{details.custom_model_units} CMUs per copy (version {details.cmu_version or 'unknown'}): its price per "
            f"CMU-minute is not in Model Studio's table; see {PRICING_PAGE}. Storage ${storage:.2f} a month."
        )
    per_minute, source = CMU_PRICES[str(details.cmu_version)]
    return (
        f"{details.custom_model_units} CMUs per copy × ${per_minute}/CMU-minute ({details.cmu_version}, {source}): "
        f"${window:.4f} for each {WINDOW_MINUTES}-minute window a copy runs, billed from the first successful call; "
        f"storage ${storage:.2f} a month ({COST_URL})."
    )
