"""The configuration table of docs/configuration.md, from the Settings fields' own descriptions
(`python -m services.settings --markdown`; docs/generate.py writes it, a test fails when it is stale)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from services.settings import ENV_PREFIX, Settings


def _shown_default(value: Any) -> str:
    if value is None or value == "" or value == [] or value == {}:
        return "—"
    if isinstance(value, list):
        return f"`{','.join(map(str, value))}`"
    if isinstance(value, Path):
        return f"`./{value.as_posix()}`"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, float) and value.is_integer():
        return f"`{int(value)}`"
    return f"`{value}`"


def settings_table() -> str:
    """The configuration table of docs/configuration.md, from the fields' own descriptions
    (``python -m services.settings --markdown``; a test fails when the page is stale)."""
    rows = ["| variable | default | meaning |", "|---|---|---|"]
    for name, field in Settings.model_fields.items():
        default = field.default_factory() if field.default_factory is not None else field.default  # type: ignore[call-arg]
        meaning = (field.description or "").replace("|", "\\|").replace("<", "&lt;")
        rows.append(f"| `{ENV_PREFIX}{name.upper()}` | {_shown_default(default)} | {meaning} |")
    return "\n".join(rows) + "\n"
