"""The one CSV writer of every export, in the UI and the API: a cell of text that a spreadsheet would
run as a formula (one starting with =, +, -, @, tab or CR: OWASP's list) gets a leading apostrophe, so
it opens as the text it is. Numbers are written as they are."""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Sequence

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    """A cell as written: text that would start a formula with an apostrophe before it; None and
    NaN as an empty cell; anything else as it is."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def csv_text(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)  # RFC 4180: CRLF rows, so a CR or LF inside a cell is quoted
    writer.writerow([safe_cell(h) for h in header])
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    return out.getvalue()
