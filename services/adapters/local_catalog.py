"""The local backend's catalog: a bundled snapshot in the providers' own response shapes.

It goes through the same parsers as the real adapters, so the local backend exercises
the code that reads real Bedrock and OpenAI answers.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from services.adapters.bedrock_catalog import merge_regions, parse_foundation_models
from services.adapters.openai_catalog import parse_openai_models
from services.domain.errors import ProviderDataError, ProviderUnavailable
from services.domain.models import Provider, ProviderModel

BUNDLED_SNAPSHOT = Path(__file__).resolve().parent.parent / "data" / "catalog_snapshot.json"


def load_snapshot(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ProviderUnavailable(f"The catalog snapshot {path} does not exist.") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ProviderDataError(f"The catalog snapshot {path} is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ProviderDataError(f"The catalog snapshot {path} should hold a JSON object.")
    return data


class LocalBedrockCatalog:
    provider = Provider.BEDROCK

    def __init__(self, snapshot: Path, regions: Sequence[str]) -> None:
        self._snapshot = snapshot
        self._regions = list(regions)

    def fetch(self) -> list[ProviderModel]:
        bedrock = load_snapshot(self._snapshot).get("bedrock")
        if not isinstance(bedrock, dict):
            raise ProviderDataError(f"The catalog snapshot {self._snapshot} has no 'bedrock' section.")
        missing = [r for r in self._regions if r not in bedrock]
        if missing:
            raise ProviderUnavailable(
                f"The local snapshot has no Bedrock data for region(s) {', '.join(missing)}; "
                f"it has {', '.join(sorted(bedrock))}. Adjust STUDIO_AWS_REGIONS."
            )
        return merge_regions(parse_foundation_models(r, bedrock[r]) for r in self._regions)


class LocalOpenAICatalog:
    provider = Provider.OPENAI

    def __init__(self, snapshot: Path) -> None:
        self._snapshot = snapshot

    def fetch(self) -> list[ProviderModel]:
        section = load_snapshot(self._snapshot).get("openai")
        if not isinstance(section, dict):
            raise ProviderDataError(f"The catalog snapshot {self._snapshot} has no 'openai' section.")
        return parse_openai_models(section.get("data"))
