"""Display helpers: how models look in tables and badges. No service calls, no rules."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import pandas as pd
import streamlit as st

from services.domain.custom import CustomModel
from services.domain.export import csv_text
from services.domain.models import ModelType, ModelView, Status, SyncOutcome, SyncRun
from services.domain.status import outcome

# The lights are drawn without an emoji font (a machine without one shows empty boxes): a plain circle
# (U+25CF, in every text font), coloured by LIGHT_COLOR in tables and by Streamlit's colours in markdown.
LIGHT = {Status.GREEN: "●", Status.YELLOW: "●", Status.RED: "●"}
LIGHT_COLOR = {Status.GREEN: "#17914a", Status.YELLOW: "#c48a00", Status.RED: "#d62c2c"}
LIGHT_MD = {Status.GREEN: ":green[●]", Status.YELLOW: ":orange[●]", Status.RED: ":red[●]"}
OPTION = {Status.GREEN: "Disable", Status.YELLOW: "Enable", Status.RED: "—"}

# Fits a 1280 px window with the sidebar open: Status, Model Name (both pinned while scrolling right),
# Type, Traits and Next action come first; the long ids last. A cell shows its whole text on hover.
MODEL_COLUMNS = {
    "Status": st.column_config.TextColumn(
        "Status",
        width=128,
        pinned=True,
        help="GREEN enabled · YELLOW ready to enable · RED action pending (with the job's outcome: Training, "
        "Completed, Failed, Stopped). 'Next action' says what to do.",
    ),
    "Model Name": st.column_config.TextColumn(
        "Model Name", width=185, pinned=True, help="Variants of one model show their context window."
    ),
    "Model Type": st.column_config.TextColumn("Type", width=62),
    "Model Traits": st.column_config.TextColumn("Model Traits", width=200),
    "Next action": st.column_config.TextColumn("Next action", width=200),
    "Options": st.column_config.TextColumn("Options", width=70, help="What an admin can do: select the row to act."),
    "Model Provider": st.column_config.TextColumn("Provider", width=110),
    "Vendor": st.column_config.TextColumn("Vendor", width=80),
    "Model ID": st.column_config.TextColumn("Model ID", width=260),
}


def display_names(views: Sequence[ModelView]) -> list[str]:
    """Model names as every page shows them (ModelRecord.label: "Nova Micro (128K, fine-tunable)" beside
    "Nova Micro"), with the model id added where two still read the same."""
    seen = Counter(v.record.label for v in views)
    return [v.record.label if seen[v.record.label] == 1 else f"{v.record.label} ({v.record.model_id})" for v in views]


def pick_label(record: Any) -> str:
    """A base model in a picker: its name by the one rule (ModelRecord.label), then its id to search by."""
    return f"{record.label} · {record.model_id}"


def for_whom(next_action: str, actor: Any) -> str:
    """A next action as the one reading it can act on it: an admin, beside the Enable button, is told to
    enable it, not that "an admin can"."""
    if getattr(actor, "is_admin", False):
        return next_action.replace("an admin can enable it", "enable it").replace(
            "An admin can disable it", "Disable it"
        )
    return next_action


def status_cell(view: ModelView, failure: str | None = None, *, long: bool = False) -> str:
    """The light as a table shows it, with a custom model's job outcome beside it ("● RED · Completed")."""
    said = f"{LIGHT[view.status]} {view.status.value}"
    if view.record.model_type is ModelType.CUSTOM:
        record = view.record
        extra = outcome(
            view.status, record.job_status, record.throughput_status, record.deployment_status, failure, long=long
        )
        said += f" · {extra}" if extra else ""
    return said


def outcome_of(view: ModelView, model: CustomModel) -> str:
    """The long outcome of a custom model (its failure's reason included), as its page shows it."""
    return status_cell(view, model.failure_message, long=True).partition(" · ")[2]


def _light_style(cell: object) -> str:
    text = str(cell)
    for status, color in LIGHT_COLOR.items():
        if f" {status.value}" in text[:10]:
            return f"color: {color}"
    return ""


def coloured(frame: pd.DataFrame, column: str = "Status") -> Any:
    """The frame with its lights coloured (a pandas Styler, which st.dataframe draws)."""
    return frame.style.map(_light_style, subset=[column])


def models_frame(views: Sequence[ModelView]) -> pd.DataFrame:
    """One row per model, indexed by our model id, in the Models table's column names and order."""
    return pd.DataFrame(
        {
            "Status": [status_cell(v) for v in views],
            "Model Name": display_names(views),
            "Model Type": [v.record.model_type.value for v in views],
            "Model Traits": [v.traits_label for v in views],
            "Next action": [v.next_action for v in views],
            "Options": [OPTION[v.status] for v in views],
            "Model Provider": [v.record.provider.value for v in views],
            "Vendor": [v.record.vendor for v in views],
            "Model ID": [v.record.model_id for v in views],
        },
        index=pd.Index([v.id for v in views], name="id"),
    )


def ago(when: datetime, now: datetime | None = None) -> str:
    seconds = int(((now or datetime.now(UTC)) - when).total_seconds())
    if seconds < 60:
        return "just now"
    for size, unit in ((86_400, "day"), (3_600, "hour"), (60, "minute")):
        if seconds >= size:
            n = seconds // size
            return f"{n} {unit}{'s' if n != 1 else ''} ago"
    return "just now"


def sync_line(run: SyncRun) -> str:
    when = ago(run.finished_at)
    if run.outcome is SyncOutcome.OK:
        return (
            f"**{run.provider.value}**: synced {when}: {run.seen} models; "
            f"{len(run.added)} added, {len(run.updated)} updated, {len(run.gone)} gone."
        )
    if run.outcome is SyncOutcome.BUNDLED:
        return (
            f"**{run.provider.value}**: {run.seen} models from the bundled snapshot ({when}), not yet synced: "
            "an admin can press Sync Models."
        )
    if run.outcome is SyncOutcome.SKIPPED:
        return f"**{run.provider.value}**: not synced ({when}): {run.message}"
    return f"**{run.provider.value}**: sync FAILED {when}: {run.message}"


_MD_SPECIAL = set("\\`*_{}[]()<>#+-.!|~$:")


def md_escape(text: str) -> str:
    """Show user- or provider-supplied text literally inside st.markdown."""
    return "".join(f"\\{c}" if c in _MD_SPECIAL else c for c in text)


def dataset_summary(report: object) -> str:
    """One line about a checked dataset: records, tokens and how tokens were counted."""
    from services.datasets.validate import DatasetReport

    assert isinstance(report, DatasetReport)
    return (
        f"{report.kind.value.capitalize()} data: {report.records:,} records, ~{report.tokens:,} tokens "
        f"(largest record ~{report.max_record_tokens:,}; tokens {report.token_method}); "
        f"{report.size_bytes:,} bytes" + ("" if report.ok else f"; {report.problems_in_words()}")
    )


def duration(seconds: float) -> str:
    if 0 <= seconds < 1:
        return "under 1 s"
    seconds = int(seconds)
    days, rest = divmod(seconds, 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes = rest // 60
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min" if minutes else f"{seconds} s"


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """A frame as CSV through the one writer of every export (services/domain/export.py): a text cell that
    would start a formula gets a leading apostrophe; numbers are left as they are."""
    return csv_text([str(c) for c in frame.columns], frame.itertuples(index=False, name=None)).encode()


ROW_PX = 35  # a data-frame row in Streamlit's default theme
PAGE_ROWS = 25


def rows_height(rows: int) -> int:
    """The height that shows ``rows`` rows and the header, so a table never scrolls inside itself."""
    return (max(rows, 1) + 1) * ROW_PX + 3


def page_of(frame: pd.DataFrame, key: str, rows: int = PAGE_ROWS) -> pd.DataFrame:
    """One page of a long table (``rows`` rows), with a page control under it when there is more than
    one: the page scrolls, the table does not."""
    pages = max(1, -(-len(frame) // rows))
    page = 1
    if pages > 1:
        left, right = st.columns([1, 4], vertical_alignment="center")
        page = int(left.number_input("Page", 1, pages, 1, key=key, label_visibility="collapsed"))
        page = min(page, pages)
        start = (page - 1) * rows
        right.caption(
            f"Page {page:,} of {pages:,}: rows {start + 1:,}–{min(start + rows, len(frame)):,} of {len(frame):,}"
        )
    return frame.iloc[(page - 1) * rows : page * rows]
