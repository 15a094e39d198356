"""``python -m services.settings``: check the settings and say what is wrong, if anything."""

from __future__ import annotations

import sys

from services.domain.errors import SettingsError
from services.settings import load_settings
from services.settings.table import settings_table


def main() -> int:
    """``python -m services.settings``: check the settings and say what is wrong, if anything
    (``--markdown``: print the configuration table of the docs instead)."""
    if "--markdown" in sys.argv:
        print(settings_table(), end="")
        return 0
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(exc, file=sys.stderr)
        return 2
    address = sys.argv[sys.argv.index("--address") + 1] if "--address" in sys.argv else None
    problems = settings.startup_problems(address)
    if problems:
        print("Model Studio will not start:\n" + "\n".join(f"  - {p}" for p in problems), file=sys.stderr)
        return 2
    print(f"Settings OK: backend={settings.backend}, data_dir={settings.data_dir}, sign-in={settings.sign_in}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
