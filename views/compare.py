"""Compare Runs: overlay the curves of several custom models, with their settings side by side."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from services.customization.methods import method_for
from services.customization.metrics import METRIC_LABELS, MetricsState, curves, export_frame, has_rewards, summarize
from ui import deps
from ui.charts import evaluation_figure, metrics_figure
from ui.components import csv_bytes, md_escape, rows_height
from ui.metrics_view import fmt, load_run
from ui.state import Key

services = deps.services_or_stop()
st.title("Compare Runs")

done = [m for m in services.customization.list() if m.completed]
if not done:
    st.info("No completed custom models yet: their training curves appear here once a job completes.")
    st.stop()
by_id = {m.id: m for m in done}
picked = st.multiselect(
    "Custom models", list(by_id), default=list(by_id)[:3], key=Key.CMP_MODELS, format_func=lambda i: by_id[i].name
)
if not picked:
    st.caption("Pick one or more models.")
    st.stop()
runs = {i: load_run(services.metrics, i, by_id[i].job_status.value, str(by_id[i].job_end_time)) for i in picked}
rewarded = any(has_rewards(run) for run in runs.values())  # a reinforcement fine-tuning run among them
a, b, d = st.columns([1, 1, 2])
metric = a.radio(
    "Metric",
    ["reward", "loss", "perplexity"] if rewarded else ["loss", "perplexity"],
    horizontal=True,
    key=f"{Key.CMP_METRIC}-rewards" if rewarded else Key.CMP_METRIC,
    format_func=lambda m: METRIC_LABELS[m],
)
axis = b.radio("X axis", ["step", "epoch"], horizontal=True, key=Key.CMP_AXIS)
weight = d.slider("Smoothing (EMA weight)", 0.0, 0.99, 0.6, 0.01, key=Key.CMP_SMOOTH)
# one log-scale control: the chart's own Linear / Log scale buttons (kept across reruns of this panel)
pairs = [
    (by_id[i].name, curve)
    for i, run in runs.items()
    if run.state is MetricsState.READY
    for curve in curves(run, metric, axis, weight)
]
for i, run in runs.items():
    if run.state is not MetricsState.READY:
        st.warning(md_escape(f"{by_id[i].name}: {run.message}"))
if pairs:
    figure = metrics_figure([(METRIC_LABELS[metric], pairs)], x_title=axis, log_y=False, keep_view=f"compare-{metric}")
    st.plotly_chart(figure, width="stretch", theme=None)

# the latest completed evaluation of each run: its scores beside the curves
latest = {i: next((e for e in services.evaluations.list_for(i) if e.summary is not None), None) for i in picked}
bars = []
for i, evaluation in latest.items():
    if evaluation is not None and evaluation.summary is not None:
        scored = evaluation.summary["Metrics"].get("rouge_l") or next(iter(evaluation.summary["Metrics"].values()))
        if scored["Custom"] is not None:
            bars.append(
                (by_id[i].name, scored["Name"], scored["Custom"], scored["Base"], scored["Low"], scored["High"])
            )
if bars:
    st.plotly_chart(evaluation_figure(bars), width="stretch", theme=None, key=Key.CMP_EVAL_CHART)

rows: dict[str, dict[str, str]] = {}
hp_names = sorted({k for i in picked for k in by_id[i].hyperparameters})
for i in picked:
    model, run = by_id[i], runs[i]
    summary = summarize(run)
    method = method_for(model.customization_type)
    column = {
        "Method": method.label if method else model.customization_type,
        "Base model": model.base_model_name,
        "Base model id": model.base_model_id.removeprefix("bedrock:"),
        "Training records": f"{model.training_records:,}",
        "Training tokens (est.)": f"{model.training_tokens:,}",
        "Validation records": "—" if model.validation_records is None else f"{model.validation_records:,}",
    }
    column |= {f"hp: {name}": model.hyperparameters.get(name, "—") for name in hp_names}
    column |= {
        "Final reward (mean)": fmt(summary.final_reward),
        "Final training loss": fmt(summary.final_training_loss),
        "Min validation loss": fmt(summary.min_validation_loss),
        "Best epoch": "—" if summary.best_epoch is None else str(summary.best_epoch),
        "Over-fitting": "—"
        if summary.overfitting_from_epoch is None
        else f"from epoch {summary.overfitting_from_epoch}",
    }
    evaluation = latest[i]
    if evaluation is None or evaluation.summary is None:
        column["Evaluation"] = "— (none completed)"
    else:
        column["Evaluation"] = f"{evaluation.summary['Scored']:,} records, {evaluation.finished_at:%Y-%m-%d}"
        for values in evaluation.summary["Metrics"].values():
            if values["Custom"] is None:
                continue
            interval = "" if values["Low"] is None else f" [{values['Low']:+.3f}, {values['High']:+.3f}]"
            column[f"Eval: {values['Name']} (custom / base, Δ 95%)"] = (
                f"{values['Custom']:.3f} / {values['Base']:.3f}, {values['Difference']:+.3f}{interval}"
            )
        judge = evaluation.summary.get("Judge")
        if judge:
            column["Eval: judge (wins / ties / losses)"] = f"{judge['Wins']} / {judge['Ties']} / {judge['Losses']}"
    rows[model.name] = column
table = pd.DataFrame(rows)
st.dataframe(table, width="stretch", height=rows_height(len(table)))

ready = [(by_id[i].name, run) for i, run in runs.items() if run.state is MetricsState.READY]
if ready:
    st.download_button(
        "Export chart data (CSV, smoothed values included)",
        data=lambda: csv_bytes(pd.concat([export_frame(run, weight).assign(model=name) for name, run in ready])),
        file_name="compare-runs.csv",
        mime="text/csv",
        key=Key.CMP_EXPORT,
        icon=":material/download:",
    )
