"""The one rule for text that reaches the database: what a user types is refused with a clear
message when it holds control characters (a NUL breaks PostgreSQL) or is too long; text from
anywhere else (providers, headers, generated) is bounded: control characters replaced, cut to fit.
The same on SQLite and PostgreSQL, because the SQL adapter applies ``bounded`` to every text column."""

from __future__ import annotations

import re

_CONTROL_LINE = re.compile(r"[\x00-\x1f\x7f]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # tabs and line breaks are text
REPLACEMENT = "\ufffd"


def text_problem(field: str, value: str, *, max_chars: int, multiline: bool = False) -> str | None:
    """Why ``value`` cannot be stored as ``field`` (None: it can)."""
    if len(value) > max_chars:
        return f"{field}: at most {max_chars:,} characters (got {len(value):,})."
    bad = (_CONTROL if multiline else _CONTROL_LINE).search(value)
    if bad:
        return (
            f"{field}: contains the control character U+{ord(bad.group()):04X} at position {bad.start() + 1}; "
            "remove it."
        )
    return None


def bounded(value: str, max_chars: int | None = None) -> str:
    """``value`` made storable: control characters (NUL included) replaced, cut to ``max_chars``."""
    if _CONTROL.search(value):
        value = _CONTROL.sub(REPLACEMENT, value)
    if max_chars is not None and len(value) > max_chars:
        value = value[: max_chars - 1] + "…" if max_chars > 1 else value[:max_chars]
    return value


def printable_id(value: str | None, max_chars: int = 64) -> str | None:
    """A request id from a header: printable ASCII only, at most ``max_chars``; None if nothing is left."""
    if not value:
        return None
    cleaned = "".join(ch for ch in value if " " < ch <= "~")[:max_chars]
    return cleaned or None
