"""How a run's metrics are shown: summary, notes, chart with its controls, export, downloads.
Display only; every computation is in services.customization.metrics."""

from __future__ import annotations

import math
from datetime import datetime

import streamlit as st

from services.customization.metrics import (
    METRIC_LABELS,
    MetricsState,
    RunMetrics,
    curves,
    epoch_boundaries,
    export_frame,
    has_rewards,
    metrics_of,
    summarize,
    training_progress,
)
from services.customization.metrics_files import MetricsService
from services.domain.custom import CustomModel
from services.domain.s3uri import safe_key_part
from ui.charts import metrics_figure
from ui.components import csv_bytes, duration
from ui.state import Key


@st.cache_resource(max_entries=16, ttl=900, show_spinner="Reading the metrics…")
def load_run(_metrics: MetricsService, model_id: str, job_status: str, end: str, bucket: int = 0) -> RunMetrics:
    """Metrics files do not change once a job has ended, so they are read once per run state; while it
    runs, once per polling interval (``bucket``)."""
    return _metrics.load(model_id)


def render_live(run: RunMetrics, model: CustomModel, now: datetime) -> None:
    """A running job: how far it is, about how long is left, and its loss curve so far."""
    hp = model.hyperparameters
    epochs = _number(hp.get("epochCount"))
    batch = _number(hp.get("batchSize"))
    hint = math.ceil(model.training_records / batch) if batch and model.training_records else None
    done, total = training_progress(run, epochs, hint)
    elapsed = (now - model.created_at).total_seconds()
    if total:
        share = min(1.0, done / total)
        left = elapsed * (1 - share) / share if share else None
        st.progress(
            share,
            text=f"Training step {done:,} of ~{total:,}"
            + (f": about {duration(left)} left (an estimate from the pace so far)" if left else ""),
        )
    elif done:
        st.caption(f"Training step {done:,}; the total (and so the time left) is known once an epoch ends.")
    if run.state is MetricsState.READY:
        metric = metrics_of(run)[0]
        panels = [(METRIC_LABELS[metric], [("", curve) for curve in curves(run, metric, "step", 0.6)])]
        figure = metrics_figure(panels, x_title="step", log_y=False, boundaries=epoch_boundaries(run), named=model.name)
        figure.update_layout(height=280, title=f"{METRIC_LABELS[metric].capitalize()} so far (live)")
        st.plotly_chart(figure, width="stretch", theme=None, key="live-loss")


def _number(value: str | None) -> int | None:
    try:
        return max(1, int(float(value))) if value else None
    except ValueError:
        return None


def fmt(value: float | None) -> str:
    return "—" if value is None else f"{value:.4f}"


def file_stem(name: str) -> str:
    """A model's name as the start of a download's file name (what a person knows it by, not its id)."""
    return safe_key_part(name, 60)


def render_run(run: RunMetrics, name: str = "") -> None:
    if run.state is not MetricsState.READY:
        (st.info if run.state is MetricsState.NOT_YET else st.warning)(run.message)
        for note in run.notes:
            st.caption(note)
        return
    summary = summarize(run)
    if has_rewards(run):
        r1, r2, r3 = st.columns(3)
        r1.metric("Final reward (mean)", fmt(summary.final_reward))
        r2.metric(
            "Highest reward (mean)",
            fmt(summary.max_reward),
            help=f"at step {summary.max_reward_step}: a reward goes up, so the best step is the highest",
        )
        r3.metric("Steps", f"{summary.steps:,}")
    c1, c2, c3, c5, c4 = st.columns(5)
    c1.metric("Final training loss", fmt(summary.final_training_loss))
    c2.metric(
        "Min training loss",
        fmt(summary.min_training_loss),
        help=f"at step {summary.min_training_step}" if summary.min_training_step is not None else None,
    )
    c3.metric("Final validation loss", fmt(summary.final_validation_loss))
    c5.metric("Min validation loss", fmt(summary.min_validation_loss))
    c4.metric(
        "Best epoch",
        "—" if summary.best_epoch is None else str(summary.best_epoch),
        help=summary.best_epoch_basis or None,
    )
    if summary.overfitting_from_epoch is not None:
        st.warning(summary.overfitting_note, icon=":material/trending_up:")
    for note in run.notes:
        st.caption(f"Note: {note}")
    render_chart(run, name)


@st.fragment
def render_chart(run: RunMetrics, name: str = "") -> None:
    """The chart and its controls: a control reruns only this, not the page."""
    a, c = st.columns([1, 2])
    axis = a.radio("X axis", ["step", "epoch"], horizontal=True, key=Key.MX_AXIS)
    weight = c.slider("Smoothing (EMA weight)", 0.0, 0.99, 0.6, 0.01, key=Key.MX_SMOOTH)
    log_y = False  # the chart's own Linear / Log scale buttons switch it in the browser, and it stays put
    panels = [
        (METRIC_LABELS[metric], [("", curve) for curve in curves(run, metric, axis, weight)])
        for metric in metrics_of(run)
    ]
    boundaries = epoch_boundaries(run) if axis == "step" else []
    st.plotly_chart(
        metrics_figure(
            panels, x_title=axis, log_y=log_y, boundaries=boundaries, named=name, keep_view=f"metrics-{run.model_id}"
        ),
        width="stretch",
        theme=None,
    )
    points = max(c.points_in for _, pairs in panels for _, c in pairs)
    shown = max(len(c.x) for _, pairs in panels for _, c in pairs)
    st.caption(
        f"{points:,} points per curve; {shown:,} drawn (MinMaxLTTB keeps every bucket's extremes). "
        "Dashed lines mark epochs."
        if points > shown
        else f"{points:,} points per curve. Dashed lines mark epochs."
    )
    st.caption("Linear / Log scale (top right of the chart) switch at once, in the browser.")
    st.download_button(
        "Export chart data (CSV, smoothed values included)",
        data=lambda: csv_bytes(export_frame(run, weight)),
        file_name=f"{file_stem(name or run.model_id)}-metrics-chart.csv",
        mime="text/csv",
        key=Key.MX_EXPORT,
        icon=":material/download:",
    )


def render_downloads(metrics: MetricsService, model_id: str, has_metrics: bool, name: str = "") -> None:
    st.markdown("**Downloads**")
    c1, c2, c3 = st.columns(3)
    for column, which, key in ((c1, "training", Key.DL_TRAINING), (c2, "validation", Key.DL_VALIDATION)):
        opener = metrics.data_opener(model_id, which)
        if opener is None:
            column.button(f"No {which} data", disabled=True, key=key)
            continue
        data_name, open_stream = opener
        column.download_button(
            f"{which.capitalize()} data",
            data=open_stream,  # opened only when clicked, streamed from S3
            file_name=f"{file_stem(name)}-{which}.jsonl" if name else data_name,
            mime="application/jsonl",
            key=key,
            icon=":material/download:",
        )
    c3.download_button(
        "Metrics (zip of the CSVs)",
        data=lambda: metrics.metrics_zip(model_id),
        file_name=f"{file_stem(name or model_id)}-metrics.zip",
        mime="application/zip",
        key=Key.DL_METRICS,
        disabled=not has_metrics,
        help=None if has_metrics else "The job has not written metrics (yet).",
        icon=":material/download:",
    )
