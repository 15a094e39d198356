"""Writes the generated part of the docs: the configuration table of docs/configuration.md, from the
descriptions of the Settings fields (services/settings.py). `make docs` runs it; a test fails when the
page is stale."""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from services.settings.table import settings_table  # noqa: E402

PAGE = ROOT / "docs" / "configuration.md"
BLOCK = re.compile(r"(<!-- settings table:[^\n]*-->\n)(.*?)(<!-- end of settings table -->)", re.S)


def generated(text: str) -> str:
    """The page with its settings table as the Settings fields say it."""
    return BLOCK.sub(lambda m: m.group(1) + settings_table() + m.group(3), text)


if __name__ == "__main__":
    PAGE.write_text(generated(PAGE.read_text(encoding="utf-8")), encoding="utf-8")
    print(f"wrote {PAGE.relative_to(ROOT)}")
