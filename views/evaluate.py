"""Evaluations: did the fine-tune help? A custom model and its base answer the same evaluation set;
scores with 95% intervals, the judge's verdicts, every record beside its reference. Thin: what may be
called, what it costs and how a run goes are decided by services/evaluation/service.py."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from services.domain.actions import Action
from services.domain.custom import CustomModel
from services.domain.errors import InvalidData, ServiceError
from services.domain.evaluations import Evaluation, EvaluationResult
from services.evaluation.metrics import METRICS
from services.evaluation.records import BATCH_TIME_NOTE, NewEvaluation, csv_name, outcome
from ui import deps
from ui.components import csv_bytes, duration, md_escape, page_of, rows_height
from ui.cost_view import money
from ui.state import Key
from ui.uploads import as_upload

services = deps.services_or_stop()
actor = deps.get_actor()
evaluations = services.evaluations
st.title("Evaluations")

done = [m for m in services.customization.list() if m.completed]
if not done:
    st.info("No completed custom models yet: once a job completes, evaluate the model against its base here.")
    st.stop()
by_id: dict[str, CustomModel] = {m.id: m for m in done}
wanted = st.query_params.get("model")
if wanted in by_id and Key.EV_MODEL not in st.session_state:
    st.session_state[Key.EV_MODEL] = wanted
model_id = st.selectbox("Custom model", list(by_id), key=Key.EV_MODEL, format_func=lambda i: by_id[i].name)
model = by_id[model_id]
st.query_params["model"] = model_id
if services.settings.backend == "local" and services.settings.local_inference_url is None:
    st.caption(
        ":material/science: **Simulated models** (local mode): the base model answers generically, the custom "
        "model with the completion of its most similar training record, and a judge prefers the answer nearer "
        "the reference (token F1)."
    )


def judges() -> dict[str, str]:
    """Enabled text models that can answer now (a judge is called as the platform calls models: GREEN
    only), never the model under test."""
    views = services.inference.callable_now(services.catalog.list_models(), actor, Action.INVOKE)
    return {
        v.id: v.record.label
        for v in views
        if v.id != model_id and (v.record.chat or "TEXT" in v.record.output_modalities)
    }


def cents(value: float | None) -> str:
    """Money, with the fractions of a cent a small evaluation costs."""
    return money(value) if value is None or value >= 0.01 else f"${value:.6f}"


def render_estimate(found: Any) -> None:
    cost = money(found.cost) if found.cost is not None else "unknown"
    a, b, c, d = st.columns(4)
    a.metric("Records", f"{found.records:,}")
    b.metric("Model calls", f"{found.calls:,}")
    c.metric("Estimated cost", cost, help=found.cost_note)
    d.metric("Estimated time", duration(found.seconds), help=found.seconds_note)
    st.caption(md_escape(f"Tokens ≈ {found.input_tokens:,} in / {found.output_tokens:,} out. Cost: {found.cost_note}. "
                         f"Time: {found.seconds_note}."))  # fmt: skip
    if "batch" in found.engines.values():  # online and batch side by side, before choosing
        said = "; ".join(f"{role}: {how}" for role, how in found.engines.items())
        if found.batch_cost is not None:
            priced = f"{cents(found.batch_cost)} instead of {cents(found.cost)}"
        else:  # a total is unknown: what batch saves on the models it batches still is
            priced = (
                f"{cents(found.batch_saving)} less than online on the batched models' tokens (the total is unknown)"
            )
        note = BATCH_TIME_NOTE[0].upper() + BATCH_TIME_NOTE[1:]
        st.caption(md_escape(f"Engine batch: {priced} ({said}). {note}."))


with st.expander("New evaluation", icon=":material/add_task:", expanded=not evaluations.list_for(model_id)):
    sources = ["Validation data", "Upload a file", "S3 URI"]
    if not model.validation_uri:
        sources.remove("Validation data")
    source = st.radio("Evaluation set", sources, horizontal=True, key=Key.EV_SOURCE)
    upload = uri = None
    if source == "Validation data":
        records = f"{model.validation_records:,} records" if model.validation_records is not None else "its records"
        st.caption(md_escape(f"{model.validation_uri} ({records}), checked again as Bedrock checks data."))
    elif source == "Upload a file":
        upload = st.file_uploader("JSONL, in the base model's format", type=["jsonl"], key=Key.EV_FILE)
    else:
        uri = st.text_input("s3:// URI of a JSONL file", key=Key.EV_URI, max_chars=1024).strip() or None
    metrics = st.multiselect(
        "Metrics", list(METRICS), default=list(METRICS), key=Key.EV_METRICS, format_func=lambda m: METRICS[m]
    )
    rivals = {
        v.id: v.record.name
        for v in services.inference.callable_now(services.catalog.list_models(), actor, Action.INVOKE)
        if v.id in by_id and v.id != model_id and by_id[v.id].base_model_id == model.base_model_id
    }  # enabled custom models of the same base: the one an endpoint serves now, before promoting this one
    if st.session_state.get(Key.EV_AGAINST) not in (None, *rivals):
        st.session_state.pop(Key.EV_AGAINST)
    against = st.selectbox(
        "Compared with",
        [None, *rivals],
        key=Key.EV_AGAINST,
        format_func=lambda i: f"its base model, {model.base_model_name}" if i is None else rivals[i],
        help="Its base model, or an enabled custom model of the same base (the one an endpoint serves now).",
    )
    choices = judges()
    judge = st.selectbox(
        "Judge (optional)",
        [None, *choices],
        key=Key.EV_JUDGE,
        format_func=lambda i: "No judge" if i is None else choices[i],
        help="An enabled model says which answer is better given the reference, asked in both orders: a model "
        "wins a record only when both orders agree.",
    )
    left, middle, right = st.columns(3)
    max_records = int(left.number_input("Max records", 1, services.settings.eval_max_records, 200, key=Key.EV_RECORDS))
    concurrency = int(middle.number_input("Concurrent records", 1, 32, 4, key=Key.EV_CONCURRENCY))
    max_tokens = int(right.number_input("Max tokens per answer", 1, 4096, 512, key=Key.EV_MAX_TOKENS))
    engine = st.radio(
        "Engine", ["online", "batch"], horizontal=True, key=Key.EV_ENGINE,
        format_func=lambda e: "Online (calls now)" if e == "online" else "Bedrock batch (half price, within 24 hours)",
        help=f"Batch: the models Bedrock batches answer in batch jobs (at least "
        f"{services.settings.eval_batch_min_records} records); the estimate says which.",
    )  # fmt: skip
    request = NewEvaluation(
        custom_model_id=model_id,
        dataset_uri=uri,
        metrics=tuple(metrics),
        judge_model_id=judge,
        against_model_id=against,
        max_records=max_records,
        concurrency=concurrency,
        max_tokens=max_tokens,
        engine="batch" if engine == "batch" else "online",
    )
    ready = bool(metrics) and (source != "Upload a file" or upload is not None) and (source != "S3 URI" or uri)
    estimate_col, start_col = st.columns(2)
    asked_estimate = estimate_col.button(
        "Estimate cost and time", icon=":material/calculate:", key=Key.EV_ESTIMATE, disabled=not ready
    )
    asked_start = start_col.button(
        "Start evaluation", icon=":material/play_arrow:", type="primary", key=Key.EV_START, disabled=not ready
    )
    if asked_estimate or asked_start:
        try:
            data = as_upload(upload, services.settings) if upload is not None else None
            if asked_estimate:
                render_estimate(evaluations.estimate(request, actor, data))
            else:
                started = evaluations.start(request, actor, data)
                st.session_state[Key.EV_RUN] = started.id
                st.session_state[Key.EV_STARTED] = started.id
        except InvalidData as exc:
            st.error(
                f"Nothing was started: {len(exc.problems)} problem(s) in the evaluation set.\n\n"
                + "\n".join(f"- {md_escape(p)}" for p in exc.problems[:40])
            )
        except ServiceError as exc:
            st.error(md_escape(str(exc)))

runs = evaluations.list_for(model_id)
if not runs:
    st.caption("No evaluations of this model yet.")
    st.stop()
if st.session_state.get(Key.EV_STARTED):
    st.success(f"Evaluation started: it runs in the background ({st.session_state.pop(Key.EV_STARTED)}).")
runs_by_id = {e.id: e for e in runs}
if st.session_state.get(Key.EV_RUN) not in runs_by_id:
    st.session_state[Key.EV_RUN] = runs[0].id
run_id = st.selectbox(
    "Evaluation",
    list(runs_by_id),
    key=Key.EV_RUN,
    # (no status in the label: a run's status changes while the page shows it, below)
    format_func=lambda i: f"{runs_by_id[i].created_at:%Y-%m-%d %H:%M} · {runs_by_id[i].total:,} records · {i}",
)


def summary_frame(summary: dict[str, Any]) -> pd.DataFrame:
    rows = []
    for values in summary["Metrics"].values():
        interval = "—" if values["Low"] is None else f"[{values['Low']:+.3f}, {values['High']:+.3f}]"
        rows.append(
            {
                "Metric": values["Name"],
                "Custom model": values["Custom"],
                "Base model": values["Base"],
                "Difference": values["Difference"],
                "95% interval": interval,
                "Records": values["Records"],
            }
        )
    return pd.DataFrame(rows)


def records_frame(results: list[EvaluationResult], metrics: tuple[str, ...]) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "Record": [r.index for r in results],
            "Verdict": [r.verdict or "" for r in results],
            "Prompt": [r.prompt for r in results],
            "Reference": [r.reference for r in results],
            "Custom answer": [r.custom_output for r in results],
            "Base answer": [r.base_output for r in results],
        }
    )
    for m in metrics:
        frame[f"{METRICS[m]} custom"] = [r.scores[m][0] if m in r.scores else None for r in results]
        frame[f"{METRICS[m]} base"] = [r.scores[m][1] if m in r.scores else None for r in results]
    frame["Error"] = [r.error or "" for r in results]
    return frame


def render_record(r: EvaluationResult) -> None:
    """One record read in full, the two answers side by side (a table cell cuts them off at its width)."""
    st.caption("Click a row above to read it here in full.")
    verdict = f" · {r.verdict}" if r.verdict else ""
    st.markdown(f"**Record {r.index}**{verdict}")
    st.markdown(f"**Prompt**  \n{md_escape(r.prompt)}")
    st.markdown(f"**Reference**  \n{md_escape(r.reference)}")
    left, right = st.columns(2)
    left.markdown(f"**Custom model**  \n{md_escape(r.custom_output) or '—'}")
    right.markdown(f"**Base model**  \n{md_escape(r.base_output) or '—'}")
    if r.error:
        st.error(md_escape(r.error))


def render_run(evaluation: Evaluation) -> None:
    progress = evaluations.progress(evaluation)
    head, cancel = st.columns([4, 1], vertical_alignment="center")
    head.markdown(
        f"**{md_escape(evaluation.custom_name)}** against **{md_escape(evaluation.base_name)}** on "
        f"`{evaluation.dataset_uri.replace('`', '')}` · **{evaluation.status.value}**"
    )
    if not evaluation.status.finished:
        st.progress(progress / max(evaluation.total, 1), text=f"{progress:,} of {evaluation.total:,} records")
        if cancel.button("Cancel", icon=":material/cancel:", key=Key.EV_CANCEL):
            try:
                evaluations.cancel(evaluation.id, actor)
                st.rerun()
            except ServiceError as exc:
                st.error(md_escape(str(exc)))
    if evaluation.engine == "batch":  # which model answered in a Bedrock batch job, and where
        jobs = evaluation.batch_jobs or {}
        said = "; ".join(
            f"{side} model: batch job {job['Arn'].rsplit('/', 1)[-1]} ({job['Region']})" for side, job in jobs.items()
        )
        said = said or "Batch jobs not submitted yet."
        note = md_escape(evaluation.estimate.get("BatchSecondsNote", "")) or None
        st.caption(
            md_escape(f"Engine: Bedrock batch, at half the on-demand price. {said} Others answer online."), help=note
        )
    if evaluation.error:
        st.error(md_escape(f"The evaluation failed: {evaluation.error}"))
    summary = evaluations.summary(evaluation)
    if summary["Records"] == 0:
        st.caption("No record evaluated yet.")
        return
    if summary["Simulated"]:
        st.caption(":material/science: Answered by simulated models.")
    st.subheader("Scores", anchor=False)
    st.dataframe(
        summary_frame(summary),
        hide_index=True,
        column_config={
            name: st.column_config.NumberColumn(format="%.3f") for name in ("Custom model", "Base model", "Difference")
        },
    )
    st.caption(
        "Difference: custom − base, the mean over records; 95% interval by bootstrap over the records. An "
        "interval that excludes 0 says the difference is unlikely to be chance."
    )
    judge = summary.get("Judge")
    a, b, c, d = st.columns(4)
    if judge:
        a.metric("Judge: custom wins", judge["Wins"])
        b.metric("Ties", judge["Ties"])
        c.metric("Base wins", judge["Losses"])
    spent = summary.get("Cost")
    d.metric("Cost of the calls", money(spent) if spent is not None else "unknown", help="Per-token prices known")
    if summary["Failed"]:
        st.warning(f"{summary['Failed']:,} record(s) could not be evaluated (see the Error column).")

    st.subheader("Records", anchor=False)
    results = evaluations.results(evaluation.id)
    shown = st.segmented_control(
        "Show", ["All", "Wins", "Losses", "Ties"], default="All", key=Key.EV_FILTER, required=True,
        help="By the judge's verdict; without a judge, by the first metric.",
    )  # fmt: skip
    wanted = {"Wins": "win", "Losses": "loss", "Ties": "tie"}.get(shown or "All")
    picked = [r for r in results if wanted is None or outcome(r, evaluation.metrics) == wanted]
    page = page_of(records_frame(picked, evaluation.metrics), f"{Key.EV_RECORDS_TABLE}-page-{evaluation.id}-{wanted}")
    event = st.dataframe(
        page,
        hide_index=True,
        height=rows_height(len(page)),
        on_select="rerun",
        selection_mode="single-row",
        key=f"{Key.EV_RECORDS_TABLE}-{evaluation.id}-{wanted}-{page.index[0] if len(page) else 0}",
    )
    if picked:
        rows = event.selection.rows if event is not None else []
        at = int(page.index[rows[0]]) if rows and rows[0] < len(page) else int(page.index[0]) if len(page) else 0
        render_record(picked[at])
    st.download_button(
        "Export records (CSV)",
        data=csv_bytes(records_frame(results, evaluation.metrics)),
        file_name=csv_name(evaluation),
        mime="text/csv",
        key=Key.EV_EXPORT,
        icon=":material/download:",
    )


current = runs_by_id[run_id]


@st.fragment(run_every=1.0 if not current.status.finished else None)
def live(evaluation_id: str) -> None:
    evaluation = evaluations.get(evaluation_id)
    if evaluation.status.finished and not current.status.finished:
        st.rerun(scope="app")  # finished: redraw the whole page (before drawing here) so polling stops
    render_run(evaluation)


live(run_id)
