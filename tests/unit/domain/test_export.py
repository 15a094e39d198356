"""The one CSV writer (services/domain/export.py): formulas open as text, in every export."""

from __future__ import annotations

import csv
import io

import pandas as pd

from services.domain.evaluations import EvaluationResult
from services.domain.export import csv_text
from services.evaluation.records import results_csv
from ui.components import csv_bytes

ATTACKS = ['=HYPERLINK("http://evil.test")', "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"]


def test_a_cell_that_would_start_a_formula_opens_as_text() -> None:
    text = csv_text(["a", "b"], [[t, 1.5] for t in ATTACKS] + [[None, -2]])
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert [r[0] for r in rows[1:-1]] == ["'" + t for t in ATTACKS]
    assert rows[1][1] == "1.5" and rows[-1] == ["", "-2"]  # numbers as they are, None empty


def test_the_evaluation_export_and_the_pages_exports_share_it() -> None:
    results = [
        EvaluationResult(evaluation_id="ev-1", index=i, prompt=t, reference=t, custom_output=t, base_output=t)
        for i, t in enumerate(ATTACKS, 1)
    ]
    rows = list(csv.reader(io.StringIO(results_csv(results, ("exact_match",)), newline="")))
    assert all(cell.startswith("'") for row in rows[1:] for cell in row[1:5])
    frame = pd.DataFrame({"text": ATTACKS, "n": range(len(ATTACKS))})
    rows = list(csv.reader(io.StringIO(csv_bytes(frame).decode(), newline="")))
    assert [r[0] for r in rows[1:]] == ["'" + t for t in ATTACKS] and rows[2][1] == "1"
