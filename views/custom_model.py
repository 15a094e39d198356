"""A custom model: its job, its throughput, its configuration. Thin: rules live in the services."""

from __future__ import annotations

import time
from collections.abc import Callable

import pandas as pd
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from services.customization.methods import method_for
from services.customization.metrics import MetricsState, RunMetrics
from services.domain.actions import Action, Subject, decide
from services.domain.custom import CustomModel
from services.domain.errors import ServiceError
from services.domain.models import ModelView
from ui import deps
from ui.acting import act, act_and_close, show_flashes
from ui.components import LIGHT_MD, duration, for_whom, md_escape, outcome_of
from ui.cost_view import money
from ui.data_view import render_summary
from ui.dialogs import close_if_done
from ui.method_fields import prefill
from ui.metrics_view import load_run, render_downloads, render_live, render_run
from ui.runs_view import render_runs
from ui.serving_view import render_copy, render_deployment, render_imported, render_throughput
from ui.state import Key, hp_key
from ui.story_view import render_story

services = deps.services_or_stop()
actor = deps.get_actor()
customization = services.customization
catalog = services.catalog
st.session_state.setdefault(Key.FLASH, [])


@st.dialog("Stop the job?")
def confirm_stop(model: CustomModel) -> None:
    close_if_done()
    st.write(f"Stop {model.name}'s training? A stopped job cannot be resumed; you would start a new one.")
    st.button(
        "Stop the job",
        type="primary",
        key=Key.CM_CONFIRM_STOP,
        on_click=act_and_close,
        args=("Stop", customization.stop, model.id),
    )


def close_delete() -> None:
    st.session_state[Key.CM_DELETE_OPEN] = False


def delete_now(model: CustomModel) -> None:
    if st.session_state.get(Key.CM_DELETE_NAME) != model.name:
        st.session_state[Key.CM_DELETE_WRONG] = True  # said in the dialog, which stays open
        return
    close_delete()
    act_and_close("Delete", customization.delete, model.id)
    if st.session_state[Key.FLASH] and st.session_state[Key.FLASH][-1][0] == "success":
        st.query_params.pop("model", None)  # gone: the page shows the runs, not "no such model" under "done"


@st.dialog("Delete the model?", on_dismiss=close_delete)
def confirm_delete(model: CustomModel) -> None:
    close_if_done()
    what = "the Bedrock custom model and its record" if model.completed else "its record (the job made no model)"
    st.write(f"Delete {model.name}: {what}. This cannot be undone. The training data in S3 is kept.")
    # a form: the typed name and the click arrive together, so the first click counts (typing, then
    # clicking without Enter, used to spend the click on committing the text)
    with st.form(Key.CM_DELETE_FORM, border=False):
        st.text_input("Type the model name to confirm", key=Key.CM_DELETE_NAME)
        st.form_submit_button("Delete", type="primary", key=Key.CM_CONFIRM_DELETE, on_click=delete_now, args=(model,))
    if st.session_state.pop(Key.CM_DELETE_WRONG, False):
        st.error(f"Type {model.name} exactly to delete it.")


st.title("Custom Models")


show_flashes()  # (deletes end here: the model is gone from the fragment below)

models = customization.list()
if not models:
    st.info("No custom models yet.")
    st.page_link("views/new_model.py", label="New Model", icon=":material/add:")
    st.stop()

by_id = {m.id: m for m in models}
wanted = st.query_params.get("model")
if wanted and wanted not in by_id:  # a link to a model that is gone: say so, never show another model
    st.warning(
        f"There is no custom model {md_escape(wanted)}: it was deleted, or the link is wrong.",
        icon=":material/link_off:",
    )
    del st.query_params["model"]
    wanted = None
runs = st.expander(
    f"All runs ({len(models)})",
    expanded=wanted is None,
    icon=":material/table_rows:",
    key=Key.CM_RUNS_OPEN,
    on_change="rerun",  # lazy: the table is built only while it is open
)
clicked = None
if runs.open:
    with runs:
        views = {m.id: catalog.get_model(m.id) for m in models}
        spend = {c.model_id: c for c in services.costs.all_costs()}
        clicked = render_runs(models, views, spend, wanted, services.clock())
if clicked:  # (render_runs put it in the address too)
    wanted = clicked
if wanted is None:
    st.info("Click a run in the table to open it.", icon=":material/touch_app:")
    st.stop()
selected = wanted
in_flight = by_id[selected].in_flight


def action_button(
    container: DeltaGenerator,
    label: str,
    action: Action,
    subj: Subject,
    call: Callable[..., object],
    *args: object,
    key: str,
    primary: bool = False,
) -> None:
    """A button for one model action: enabled when the rules allow it, and saying why not."""
    decision = decide(action, subj, actor)
    container.button(
        label,
        key=key,
        type="primary" if primary else "secondary",
        disabled=not decision,
        help=md_escape(decision.reason) or None,
        on_click=act,
        args=(label, call, *args),
    )


def render_header(model: CustomModel, view: ModelView) -> None:
    head, light, again = st.columns([2.0, 2.2, 1.6], vertical_alignment="center")
    head.subheader(md_escape(model.name), anchor=False)
    said = outcome_of(view, model)
    light.markdown(
        f"{LIGHT_MD[view.status]} **{view.status.value}**" + (f" · {md_escape(said)}" if said else ""),
        help=view.next_action,
    )
    if not model.serves_itself and again.button(  # imported weights: no run here to repeat
        "New run from this one",
        icon=":material/content_copy:",
        key=Key.CM_CLONE,
        help="Open New Model with this run's base model, region, data and hyperparameters, under a new name.",
    ):
        new_run_from(model.id)
    further = decide(Action.TUNE_FURTHER, customization.subject(model), actor)
    if again.button(
        "Tune further",
        icon=":material/trending_up:",
        key=Key.CM_FURTHER,
        disabled=not further,
        help=md_escape(further.reason)
        or "Open New Model to fine-tune this model further, from its own weights (same region).",
    ):
        new_run_from(model.id, further=True)
    chain = customization.lineage(model)
    if len(chain) > 2:  # tuned further: the models it came from
        st.caption("Lineage: " + " → ".join(md_escape(name) for _, name in chain))
    st.caption(f"Next action: {for_whom(view.next_action, actor)}")
    tryable = decide(Action.TRY, customization.subject(model), actor)
    if not tryable:
        return
    if model.serves_itself:  # no Bedrock base model to compare it with
        st.caption("An imported model has no Bedrock base model: try it in the Playground beside any enabled model.")
        return
    left, right, _ = st.columns([1.3, 1.3, 3])
    if left.button(
        "Compare with base model",
        icon=":material/forum:",
        key=Key.CM_TRY,
        help="Open the Playground with this model and its base model side by side.",
    ):
        st.session_state[Key.PG_MODELS] = [model.id, model.base_model_id]
        st.switch_page("views/chat.py")
    if right.button(
        "Evaluate against base",
        icon=":material/rule:",
        key=Key.CM_EVALUATE,
        help="Score this model and its base model on an evaluation set (its validation data by default).",
    ):
        st.session_state[Key.EV_MODEL] = model.id
        st.switch_page("views/evaluate.py", query_params={"model": model.id})


def new_run_from(model_id: str, further: bool = False) -> None:
    """Prefill the New Model form with a run's settings (the service picks the next free name); ``further``: from
    this model's own weights."""
    request, training_uri, validation_uri = customization.rerun_request(model_id, further)
    base = request.base_model_id
    st.session_state.update(
        {
            Key.NM_TYPE: request.customization_type,
            Key.NM_BASE: base,
            f"{Key.NM_REGION}-{base}": request.region,
            Key.NM_NAME: request.name,
            Key.NM_DESCRIPTION: request.description,
            Key.NM_TRAINING_URI: training_uri,
            Key.NM_VALIDATION_URI: validation_uri or "",
            Key.NM_FROM: by_id[model_id].name,
            **{
                hp_key(name, base, request.customization_type): value for name, value in request.hyperparameters.items()
            },
            **prefill(request.customization_type, request.options),
        }
    )
    st.switch_page("views/new_model.py")


def render_status(model: CustomModel, subj: Subject) -> None:
    c1, c2, c3 = st.columns(3)
    c1.metric("Job status", model.job_status.value)
    c2.metric("Training records", f"{model.training_records:,}")
    c3.metric("Training tokens (est.)", f"{model.training_tokens:,}")
    st.caption(f"Tokens {model.token_method}.")
    if model.failed:
        st.error("The job failed: " + md_escape(model.failure_message or "no message from Bedrock"))
    if model.job_status.in_flight:
        stage = f" Now: {model.job_stage}." if model.job_stage else ""
        now = services.clock()
        st.info(f"Running for {duration((now - model.created_at).total_seconds())}; refreshing.{stage}")
        render_live(live_run(model), model, now)
    if model.training_loss is not None:
        st.caption(
            f"Final training loss {model.training_loss:.4f}"
            + (f", validation loss {model.validation_loss:.4f}" if model.validation_loss is not None else "")
        )
    render_story(model, services.audit.audit_events(model_id=model.id, limit=200), live_run(model), services.clock())
    b1, b2, b3 = st.columns(3)
    stop = decide(Action.STOP, subj, actor)
    if b1.button("Stop job", key=Key.CM_STOP, disabled=not stop, help=md_escape(stop.reason) or None):
        confirm_stop(model)
    action_button(b2, "Enable", Action.ENABLE, subj, catalog.enable, model.id, key=Key.CM_ENABLE, primary=True)
    action_button(b3, "Disable", Action.DISABLE, subj, catalog.disable, model.id, key=Key.CM_DISABLE)
    render_costs(model)
    if model.data_summary:
        data = st.expander(
            "What the data holds (checked when the model was made)",
            icon=":material/bar_chart:",
            key=Key.CM_DATA,
            on_change="rerun",  # lazy: its charts are drawn only when it is opened
        )
        if data.open:
            with data:
                render_summary(model.data_summary)
    st.markdown(  # plain text, not a table widget: the Status tab draws at once
        "**Hyper Parameters**: "
        + (" · ".join(f"`{md_escape(k)}` {md_escape(v)}" for k, v in model.hyperparameters.items()) or "none")
    )


def render_costs(model: CustomModel) -> None:
    spent = services.costs.costs(model.id)
    st.markdown("**Costs so far**")
    k1, k2, k3, k4 = st.columns(4)
    k1.metric("Training", money(spent.training), help=spent.training_note)
    k2.metric("Storage", money(spent.storage), help=spent.storage_note)
    k3.metric("Throughput", money(spent.throughput), help=spent.throughput_note)
    k4.metric("Total", money(spent.total))


def live_run(model: CustomModel) -> RunMetrics:
    """The run's metrics: read once per run state, and once per polling interval while it runs."""
    bucket = int(time.time() // max(1.0, services.settings.poll_seconds)) if model.in_flight else 0
    return load_run(services.metrics, model.id, model.job_status.value, str(model.job_end_time), bucket)


def render_metrics(model: CustomModel) -> None:
    run = live_run(model)
    render_run(run, model.name)
    render_downloads(services.metrics, model.id, run.state is MetricsState.READY, model.name)


def render_configuration(model: CustomModel, subj: Subject) -> None:
    method = method_for(model.customization_type)
    facts = {
        "Id": model.id,
        "Name": model.name,
        "Description": model.description or "—",
        "Base model": f"{model.base_model_name} ({model.base_model_id})"
        if model.base_model_id
        else model.base_model_name,
        "Customization type": f"{method.label if method else 'Imported'} ({model.customization_type})",
        **(method.described(model.customization_config) if method else {}),
        "Model data" if model.customization_type == "IMPORTED" else "Training data": model.training_uri,
        "Validation data": model.validation_uri or "—",
        "Output location": model.output_uri or "—",
        "Job name": model.job_name,
        "Job ARN": model.job_arn or "—",
        "Custom model ARN": model.custom_model_arn or "—",
        "Request key": model.client_token,
        "Region": model.region or "—",
        "Created": f"{model.created_at:%Y-%m-%d %H:%M} UTC",
    }
    settings = services.settings
    facts |= {  # what new jobs, models, throughput and deployments get (STUDIO_JOB_TAGS, _KMS_KEY_ID, _VPC_*)
        "Tags for new jobs": ", ".join(f"{k}={v}" for k, v in settings.job_tags.items()) or "none",
        "KMS key for new models": settings.kms_key_id or "AWS-managed",
        "VPC for new jobs": ", ".join([*settings.vpc_subnets, *settings.vpc_security_groups]) or "none",
    }
    if model.copied_from:
        facts["Copy of"] = model.copied_from
    st.dataframe(pd.DataFrame({"Field": list(facts), "Value": list(facts.values())}), hide_index=True)
    render_copy(model, subj)
    delete = decide(Action.DELETE, subj, actor)
    st.button(
        "Delete model",
        key=Key.CM_DELETE,
        disabled=not delete,
        help=md_escape(delete.reason) or None,
        on_click=lambda: st.session_state.update({Key.CM_DELETE_OPEN: True}),
    )
    if delete and st.session_state.get(Key.CM_DELETE_OPEN):
        confirm_delete(model)  # stays open while the name is typed


@st.fragment(run_every=services.settings.poll_seconds if in_flight else None)
def show(model_id: str) -> None:
    show_flashes()  # actions run inside this fragment, and so do their messages
    try:
        seen = customization.view(model_id)  # the model, its row and its rules in one read
    except ServiceError as exc:
        st.error(md_escape(str(exc)))
        return
    if seen.stale:
        st.warning(md_escape(f"Could not refresh from Bedrock ({seen.stale}); showing the last known state."))
    model, view, subj = seen.model, seen.row, seen.subject
    if model.in_flight != in_flight:
        st.rerun()  # started or settled: redraw the whole page so polling starts or stops
    render_header(model, view)
    on_demand = model.deployable or model.deployment_status is not None
    labels = [
        "Status",
        "Metrics",
        *(["Deploy on demand"] if on_demand else []),
        "Provision Throughput",
        "Configuration",
    ]
    if model.serves_itself:  # imported weights: no training to chart, served by their own ARN
        labels = ["Status", "Call it", "Configuration"]
    # lazy tabs: only the open one runs (the Metrics tab reads CSVs from S3; the Status tab must not wait)
    renderers: dict[str, Callable[[], None]] = {
        "Status": lambda: render_status(model, subj),
        "Metrics": lambda: render_metrics(model),
        "Deploy on demand": lambda: render_deployment(model, subj),
        "Provision Throughput": lambda: render_throughput(model, subj),
        "Configuration": lambda: render_configuration(model, subj),
        "Call it": lambda: render_imported(model),
    }
    for label, tab in zip(labels, st.tabs(labels, key=Key.CM_TABS, on_change="rerun"), strict=True):
        if tab.open:
            with tab:
                renderers[label]()


show(selected)
