"""Every custom model at a glance: one row per run, with its light, base model, job, duration, data,
losses, cost so far and owner; filters; a click opens the run below. Display only."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import streamlit as st

from services.costs.meter import ModelCosts
from services.customization.methods import method_for
from services.domain.custom import CustomModel
from services.domain.models import ModelView
from ui.components import coloured, duration, status_cell
from ui.cost_view import money
from ui.state import Key


def runs_frame(
    models: list[CustomModel], views: dict[str, ModelView], costs: dict[str, ModelCosts], now: datetime
) -> pd.DataFrame:
    names = {m.id: m.name for m in models}
    rows = []
    for m in models:
        view = views.get(m.id)
        end = m.job_end_time or (None if m.job_status.in_flight else m.updated_at)
        seconds = ((end or now) - m.created_at).total_seconds()
        cost = costs.get(m.id)
        rows.append(
            {
                "id": m.id,
                "Status": status_cell(view, m.failure_message, long=True) if view else "—",
                "Name": m.name,
                "Base model": m.base_model_name,
                # lineage: the custom model it was tuned further from (its foundation model is "Base model")
                "Tuned from": "—" if m.parent_model_id is None else names.get(m.parent_model_id, "a deleted model"),
                "Method": method.label if (method := method_for(m.customization_type)) else m.customization_type,
                "Job": m.job_status.value,
                "Duration": duration(seconds) + ("" if end else " so far"),
                "Data tokens": m.training_tokens,
                "Training loss": "—" if m.training_loss is None else f"{m.training_loss:.4f}",
                "Validation loss": "—" if m.validation_loss is None else f"{m.validation_loss:.4f}",
                "Cost so far": money(cost.total) if cost else "—",
                "Created by": m.created_by or "outside Model Studio",
                "Created": m.created_at.replace(tzinfo=None),
            }
        )
    return pd.DataFrame(rows)


def render_runs(
    models: list[CustomModel],
    views: dict[str, ModelView],
    costs: dict[str, ModelCosts],
    selected: str | None,
    now: datetime,
) -> str | None:
    """The runs table; returns the id of the run clicked in it (or None)."""
    frame = runs_frame(models, views, costs, now)
    f1, f2, f3 = st.columns([3, 2, 2])
    search = f1.text_input("Search runs", key=Key.CM_RUN_SEARCH, placeholder="Name or base model")
    jobs = f2.multiselect("Job status", sorted(frame["Job"].unique()), key=Key.CM_RUN_JOBS)
    bases = f3.multiselect("Base model", sorted(frame["Base model"].unique()), key=Key.CM_RUN_BASES)
    shown = frame
    if search.strip():
        needle = search.strip().lower()
        shown = shown[
            shown["Name"].str.lower().str.contains(needle, regex=False)
            | shown["Base model"].str.lower().str.contains(needle, regex=False)
        ]
    if jobs:
        shown = shown[shown["Job"].isin(jobs)]
    if bases:
        shown = shown[shown["Base model"].isin(bases)]
    shown = shown.reset_index(drop=True)
    st.session_state[Key.CM_RUNS_IDS] = list(shown["id"])
    event = st.dataframe(
        coloured(shown.drop(columns=["id"])),
        key=Key.CM_RUNS,
        on_select=_open_clicked,  # before the rerun: open the run and fold the table away
        selection_mode="single-row",
        hide_index=True,
        width="stretch",
        height=min(len(shown), 12) * 35 + 38,  # every row up to 12, no empty rows
        column_config={
            "Status": st.column_config.TextColumn(
                width="medium",
                help="The light, and the job's outcome: Completed (serve it to use it), Failed, Stopped.",
            ),
            "Data tokens": st.column_config.NumberColumn(format="localized"),
            "Tuned from": st.column_config.TextColumn(help="The custom model it was tuned further from."),
            "Training loss": st.column_config.TextColumn(help="The final training loss."),
            "Validation loss": st.column_config.TextColumn(
                help="The final validation loss; — without validation data."
            ),
            "Cost so far": st.column_config.TextColumn(
                help="Training, storage and throughput; unknown when a price is."
            ),
            "Created": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm", help="UTC"),
        },
    )
    st.caption(f"{len(shown)} of {len(frame)} runs. Click a row to open it.")
    chosen = _clicked_id(event.selection.rows if event is not None else [], list(shown["id"]))
    if chosen == st.session_state.get(Key.CM_RUNS_LAST):
        return None  # the table keeps its selection across reruns: act on a new click only
    st.session_state[Key.CM_RUNS_LAST] = chosen
    if chosen is None or chosen == selected:
        return None
    _open(chosen)
    return chosen


def _clicked_id(rows: list[int], ids: list[str]) -> str | None:
    return ids[rows[0]] if rows and rows[0] < len(ids) else None


def _open(model_id: str) -> None:
    st.query_params["model"] = model_id
    st.session_state[Key.CM_RUNS_LAST] = model_id


def _open_clicked() -> None:
    """A row was clicked (the table's callback, before the rerun): show that run, with the table
    folded away, in one rerun. (A selection set without a click is read by render_runs instead.)"""
    chosen = _clicked_id(st.session_state[Key.CM_RUNS]["selection"]["rows"], st.session_state.get(Key.CM_RUNS_IDS, []))
    if chosen is not None:
        _open(chosen)
        st.session_state[Key.CM_RUNS_OPEN] = False
