"""A custom model: its job, its throughput, its configuration. Thin: rules live in the services."""

from __future__ import annotations

import time
from collections.abc import Callable

import pandas as pd
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from services.costs.pricing import DAYS_PER_MONTH
from services.customization.metrics import MetricsState, RunMetrics
from services.domain.actions import Action, Subject, decide
from services.domain.custom import CustomModel
from services.domain.errors import ProviderError, ServiceError
from services.domain.models import ModelView
from ui import deps
from ui.components import LIGHT_MD, duration, for_whom, md_escape, outcome_of
from ui.cost_view import money
from ui.data_view import render_summary
from ui.dialogs import close_if_done, then_close
from ui.metrics_view import load_run, render_downloads, render_live, render_run
from ui.runs_view import render_runs
from ui.state import Key, hp_key
from ui.story_view import render_story

services = deps.services_or_stop()
actor = deps.get_actor()
customization = services.customization
catalog = services.catalog
st.session_state.setdefault(Key.FLASH, [])


def flash(kind: str, text: str) -> None:
    st.session_state[Key.FLASH].append((kind, text))  # shown escaped by show_flashes


def act(label: str, action: Callable[..., object], *args: object) -> None:
    """Run one service call from a button callback and say how it went."""
    try:
        action(*args, actor=actor.for_request())
    except ServiceError as exc:
        flash("error", f"{label}: {exc}")
    else:
        flash("success", f"{label}: done.")


act_and_close = then_close(act)  # a dialog button's callback: act once, then close the dialog


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


def hourly_price(model: CustomModel, units: int) -> str:
    """What throughput costs per hour for this model, in words (unknown when no price is known)."""
    price = services.costs.prices_for(model.base_model_id, model.region).inference_no_commit
    if price.price is None:
        return f"unknown per model unit-hour ({price.source})"
    return (
        f"{money(price.price * units)} per hour ({units} model unit(s) × {money(price.price)} per model unit-hour; "
        f"{money(price.price * units * 24)} a day, {money(price.price * units * 24 * DAYS_PER_MONTH)} a month)"
    )


@st.dialog("Provision throughput?")
def confirm_provision(model: CustomModel, units: int, hourly: str) -> None:
    close_if_done()
    st.write(
        f"Provision {units} model unit(s) of no-commitment throughput for {model.name}? "
        f"It bills {hourly}, from now until it is removed, even when nobody calls the model."
    )
    st.button(
        "Provision and start billing",
        type="primary",
        key=Key.CM_CONFIRM_PROVISION,
        on_click=act_and_close,
        args=("Provision throughput", customization.provision_throughput, model.id, units),
    )


def render_invoke(arn: str, region: str | None) -> None:
    """The ARN to call the model with, ready to copy, and a ready invoke snippet (AWS CLI, boto3)."""
    st.caption("The ARN to call the model with (Bedrock Runtime, `modelId`): copy it with the button on the right.")
    st.code(arn, language=None)
    where = region or "us-east-1"
    cli, python = st.tabs(["AWS CLI", "boto3"])
    cli.code(
        f"aws bedrock-runtime converse --region {where} \\\n"
        f"  --model-id '{arn}' \\\n"
        """  --messages '[{"role": "user", "content": [{"text": "Hello"}]}]'""",
        language="bash",
    )
    python.code(
        "import boto3\n\n"
        f'runtime = boto3.client("bedrock-runtime", region_name="{where}")\n'
        "response = runtime.converse(\n"
        f'    modelId="{arn}",\n'
        '    messages=[{"role": "user", "content": [{"text": "Hello"}]}],\n'
        ")\n"
        'print(response["output"]["message"]["content"][0]["text"])',
        language="python",
    )


def token_price(model: CustomModel) -> str:
    """What a call to this model on demand costs per 1,000 input and output tokens, in words."""
    prices = services.costs.prices_for(model.base_model_id, model.region)
    p_in, p_out = prices.on_demand_input, prices.on_demand_output
    if p_in.price is None or p_out.price is None:
        return f"an unknown price per token ({(p_in if p_in.price is None else p_out).source})"
    return (
        f"${p_in.price * 1000:,.4g} per million input tokens and ${p_out.price * 1000:,.4g} per million output tokens"
    )


@st.dialog("Deploy on demand?")
def confirm_deploy(model: CustomModel, price: str) -> None:
    close_if_done()
    st.write(
        f"Deploy {model.name} on demand? Bedrock gives it an ARN to call and bills each call at {price}. "
        "Nothing is billed while nobody calls it; the custom model's storage goes on as before."
    )
    st.button(
        "Deploy",
        type="primary",
        key=Key.CM_CONFIRM_DEPLOY,
        on_click=act_and_close,
        args=("Deploy on demand", customization.deploy, model.id),
    )


@st.dialog("Remove the deployment?")
def confirm_remove_deployment(model: CustomModel) -> None:
    close_if_done()
    st.write(
        f"Remove {model.name}'s on-demand deployment? Every caller of its ARN gets an error from then on, and the "
        "ARN is not given back: a new deployment gets a new one."
    )
    if model.enabled and model.throughput_status is None:
        st.warning("It is enabled now, so it will also be disabled (it turns RED).")
    st.button(
        "Remove the deployment",
        type="primary",
        key=Key.CM_CONFIRM_REMOVE_DEPLOYMENT,
        on_click=act_and_close,
        args=("Remove the deployment", customization.remove_deployment, model.id),
    )


@st.dialog("Remove throughput?")
def confirm_remove(model: CustomModel) -> None:
    close_if_done()
    st.write(f"Remove {model.name}'s Provisioned Throughput? The model turns RED and can no longer be used.")
    if model.enabled:
        st.warning("It is enabled now, so it will also be disabled.")
    st.button(
        "Remove throughput",
        type="primary",
        key=Key.CM_CONFIRM_REMOVE_PT,
        on_click=act_and_close,
        args=("Remove throughput", customization.remove_throughput, model.id),
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


def show_flashes() -> None:
    for kind, text in st.session_state[Key.FLASH]:
        getattr(st, kind)(md_escape(text))  # names in messages are shown as text
    st.session_state[Key.FLASH] = []


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
    head, light, again = st.columns([2.2, 2.3, 1.3], vertical_alignment="center")
    head.subheader(md_escape(model.name), anchor=False)
    said = outcome_of(view, model)
    light.markdown(
        f"{LIGHT_MD[view.status]} **{view.status.value}**" + (f" · {md_escape(said)}" if said else ""),
        help=view.next_action,
    )
    if again.button(
        "New run from this one",
        icon=":material/content_copy:",
        key=Key.CM_CLONE,
        help="Open New Model with this run's base model, region, data and hyperparameters, under a new name.",
    ):
        new_run_from(model.id)
    st.caption(f"Next action: {for_whom(view.next_action, actor)}")
    tryable = decide(Action.TRY, customization.subject(model), actor)
    if not tryable:
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


def new_run_from(model_id: str) -> None:
    """Prefill the New Model form with a run's settings (the service picks the next free name)."""
    request, training_uri, validation_uri = customization.rerun_request(model_id)
    base = request.base_model_id
    st.session_state.update(
        {
            Key.NM_BASE: base,
            f"{Key.NM_REGION}-{base}": request.region,
            Key.NM_NAME: request.name,
            Key.NM_DESCRIPTION: request.description,
            Key.NM_TRAINING_URI: training_uri,
            Key.NM_VALIDATION_URI: validation_uri or "",
            Key.NM_FROM: by_id[model_id].name,
            **{hp_key(name, base): value for name, value in request.hyperparameters.items()},
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


def render_throughput(model: CustomModel, subj: Subject) -> None:
    st.caption(
        "No-commitment Provisioned Throughput: Bedrock allows 1 model unit per throughput and at most 2 "
        f"per account ({customization.active_throughputs()} in use here). It bills every hour it exists, "
        "even when idle."
    )
    if model.throughput_status is None:
        if model.throughput_failure:  # e.g. throughput deleted outside Model Studio
            st.warning(md_escape(model.throughput_failure), icon=":material/warning:")
        units = st.number_input(
            "Model Units", min_value=1, max_value=customization.max_model_units, value=1, key=Key.CM_UNITS
        )
        hourly = hourly_price(model, int(units))
        st.caption(f"Price: {hourly} while it exists, used or not.")
        provision = decide(Action.PROVISION, subj, actor)
        if st.button(
            "Provision throughput",
            key=Key.CM_PROVISION,
            type="primary",
            disabled=not provision,
            help=md_escape(provision.reason) or None,
        ):
            confirm_provision(model, int(units), hourly)
        render_idle_guard(model, subj)
        return
    running = duration((services.clock() - (model.throughput_since or model.updated_at)).total_seconds())
    st.metric("Throughput", model.throughput_status.value, help=model.throughput_arn or "being created")
    if model.throughput_arn:
        render_invoke(model.throughput_arn, model.region)
    st.warning(
        f"{model.model_units} model unit(s) provisioned {running} ago: billed hourly until removed, even when idle.",
        icon=":material/schedule:",
    )
    idle = next((i for i in services.idle.shown() if i.model_id == model.id and i.kind == "throughput"), None)
    if idle is not None and idle.idle_hours >= 1:
        spent = f", {money(idle.idle_cost)} spent while idle" if idle.idle_cost is not None else ""
        guard = idle.guard_hours
        rule = f" The idle guard removes it after {guard:g} h idle." if guard is not None else ""
        st.warning(
            f"Idle for {idle.idle_hours:,.1f} h (no call since {idle.idle_since:%Y-%m-%d %H:%M} UTC){spent}.{rule}",
            icon=":material/hourglass_empty:",
        )
    meter = services.costs.costs(model.id)
    if meter.throughput_running_hours is not None and meter.throughput_running_hours > services.costs.warn_hours:
        st.error(
            f"Running for more than {services.costs.warn_hours:g} hours: {money(meter.throughput)} so far. "
            "Remove it if nobody uses the model.",
            icon=":material/warning:",
        )
    if model.throughput_failed:
        st.error(md_escape(model.throughput_failure or "Bedrock reported the throughput as failed."))
    remove = decide(Action.REMOVE_THROUGHPUT, subj, actor)
    if st.button("Remove throughput", key=Key.CM_REMOVE_PT, disabled=not remove, help=md_escape(remove.reason) or None):
        confirm_remove(model)
    render_idle_guard(model, subj)


GUARD_MODES = ("team", "never", "hours")


def render_idle_guard(model: CustomModel, subj: Subject) -> None:
    """This model's own idle guard (services/costs/idle.py): the team's setting, never, or after N hours idle."""
    team = services.idle.guard_hours
    labels = {
        "team": f"Team setting ({'off' if team is None else f'remove after {team:g} h idle'})",
        "never": "Never remove this model's throughput",
        "hours": "Remove after a number of hours idle",
    }
    own = model.idle_guard_hours
    current = "team" if own is None else ("never" if own == 0 else "hours")
    allowed = decide(Action.SET_IDLE_GUARD, subj, actor)
    with st.expander("Idle guard", icon=":material/shield:"):
        st.caption(
            f"Idle throughput is warned of {services.settings.auto_remove_grace_hours:g} h before the guard "
            "removes it, and never removed if it was called in that time. The removal is audited as the system; "
            "the model turns RED and is disabled."
        )
        mode = st.radio(
            "Idle guard for this model",
            GUARD_MODES,
            index=GUARD_MODES.index(current),
            format_func=labels.__getitem__,
            key=f"{Key.CM_GUARD_MODE}_{model.id}",
            disabled=not allowed,
        )
        hours = st.number_input(
            "Hours idle before removal",
            min_value=0.5,
            max_value=8784.0,
            value=float(own) if own else max(services.settings.auto_remove_grace_hours + 1, team or 24.0),
            step=1.0,
            key=f"{Key.CM_GUARD_HOURS}_{model.id}",
            disabled=not allowed or mode != "hours",
        )
        chosen = None if mode == "team" else (0.0 if mode == "never" else float(hours))
        st.button(
            "Save idle guard",
            key=f"{Key.CM_GUARD_SAVE}_{model.id}",
            disabled=not allowed or chosen == own,
            help=md_escape(allowed.reason) or None,
            on_click=act,
            args=("Idle guard", services.idle.set_guard, model.id, chosen),
        )


def render_deployment(model: CustomModel, subj: Subject) -> None:
    st.caption(
        "On-demand deployment: Bedrock serves the custom model per request, billed per input and output "
        "token, with no charge while idle (custom Amazon Nova Micro, Lite and Pro models)."
    )
    if model.deployment_status is None:
        if model.deployment_failure:  # e.g. deleted outside Model Studio
            st.warning(md_escape(model.deployment_failure), icon=":material/warning:")
        price = token_price(model)
        source = services.costs.prices_for(model.base_model_id, model.region).on_demand_input
        st.markdown(f"**Price:** {md_escape(price)}")
        st.caption(md_escape(f"Source: {source.source}" + (f" ({source.as_of})" if source.as_of else "")))
        deploy = decide(Action.DEPLOY, subj, actor)
        if st.button(
            "Deploy on demand",
            key=Key.CM_DEPLOY,
            type="primary",
            disabled=not deploy,
            help=md_escape(deploy.reason) or None,
        ):
            confirm_deploy(model, price)
        return
    st.metric("Deployment", model.deployment_status.value, help=model.deployment_arn or "being created")
    if model.deployment_arn:
        render_invoke(model.deployment_arn, model.region)
    idle = next((i for i in services.idle.shown() if i.model_id == model.id and i.kind == "deployment"), None)
    if idle is not None and idle.idle_hours >= 1:
        st.info(
            f"Idle for {idle.idle_hours:,.1f} h (no call since {idle.idle_since:%Y-%m-%d %H:%M} UTC): nothing is "
            "billed for an idle deployment, but the custom model's storage goes on.",
            icon=":material/hourglass_empty:",
        )
    if model.deployment_failed:
        st.error(md_escape(model.deployment_failure or "Bedrock reported the deployment as failed."))
    remove = decide(Action.REMOVE_DEPLOYMENT, subj, actor)
    if st.button(
        "Remove the deployment",
        key=Key.CM_REMOVE_DEPLOYMENT,
        disabled=not remove,
        help=md_escape(remove.reason) or None,
    ):
        confirm_remove_deployment(model)


def render_configuration(model: CustomModel, subj: Subject) -> None:
    facts = {
        "Id": model.id,
        "Name": model.name,
        "Description": model.description or "—",
        "Base model": f"{model.base_model_name} ({model.base_model_id})",
        "Customization type": model.customization_type,
        "Training data": model.training_uri,
        "Validation data": model.validation_uri or "—",
        "Output location": model.output_uri,
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
    st.dataframe(pd.DataFrame({"Field": list(facts), "Value": list(facts.values())}), hide_index=True)
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
        model = customization.refresh(model_id)
    except ProviderError as exc:
        st.warning(md_escape(f"Could not refresh from Bedrock ({exc}); showing the last known state."))
        model = customization.get(model_id)
    except ServiceError as exc:
        st.error(md_escape(str(exc)))
        return
    if model.in_flight != in_flight:
        st.rerun()  # started or settled: redraw the whole page so polling starts or stops
    view = catalog.get_model(model_id)
    subj = customization.subject(model)
    render_header(model, view)
    on_demand = model.deployable or model.deployment_status is not None
    labels = [
        "Status",
        "Metrics",
        *(["Deploy on demand"] if on_demand else []),
        "Provision Throughput",
        "Configuration",
    ]
    # lazy tabs: only the open one runs (the Metrics tab reads CSVs from S3; the Status tab must not wait)
    renderers: dict[str, Callable[[], None]] = {
        "Status": lambda: render_status(model, subj),
        "Metrics": lambda: render_metrics(model),
        "Deploy on demand": lambda: render_deployment(model, subj),
        "Provision Throughput": lambda: render_throughput(model, subj),
        "Configuration": lambda: render_configuration(model, subj),
    }
    for label, tab in zip(labels, st.tabs(labels, key=Key.CM_TABS, on_change="rerun"), strict=True):
        if tab.open:
            with tab:
                renderers[label]()


show(selected)
