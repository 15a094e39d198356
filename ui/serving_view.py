"""Serving a custom model, on its page: Provision Throughput (the price first, a confirmation, the ARN
and ready invoke snippets, idle and long-running warnings, its own idle guard) and Deploy on demand
(the per-token price, confirmations both ways). Display and confirmation only: the services decide."""

from __future__ import annotations

from functools import partial

import streamlit as st

from services.costs.meter import term_price
from services.costs.pricing import DAYS_PER_MONTH
from services.domain.actions import Action, Subject, decide
from services.domain.copies import COPY_URL, copy_regions
from services.domain.custom import COMMITMENT_URL, CustomModel, commitment_ends
from services.domain.imports import price_said
from ui import deps
from ui.acting import act, act_and_close
from ui.components import duration, md_escape
from ui.cost_view import money
from ui.dialogs import close_if_done
from ui.state import Key

TERMS = {None: "No commitment", "OneMonth": "1-month term", "SixMonths": "6-month term"}


def hourly_price(model: CustomModel, units: int, commitment: str | None = None) -> str:
    """What throughput costs per hour for this model under a term, in words (unknown when no price is known)."""
    services = deps.get_services()
    price = term_price(services.costs.prices_for(model.base_model_id, model.region), commitment)
    if price.price is None:
        return f"unknown per model unit-hour ({price.source})"
    said = (
        f"{money(price.price * units)} per hour ({units} model unit(s) × {money(price.price)} per model unit-hour; "
        f"{money(price.price * units * 24)} a day, {money(price.price * units * 24 * DAYS_PER_MONTH)} a month"
    )
    if commitment:
        now = services.clock()
        hours = (commitment_ends(now, commitment) - now).total_seconds() / 3600
        said += f"; {money(price.price * units * hours)} for the whole term"
    return said + ")"


@st.dialog("Provision throughput?")
def confirm_provision(model: CustomModel, units: int, hourly: str, commitment: str | None = None) -> None:
    services = deps.get_services()
    customization = services.customization
    close_if_done()
    if commitment is None:
        st.write(
            f"Provision {units} model unit(s) of no-commitment throughput for {model.name}? "
            f"It bills {hourly}, from now until it is removed, even when nobody calls the model."
        )
    else:
        ends = commitment_ends(services.clock(), commitment)
        st.write(
            f"Commit to a {TERMS[commitment].lower()} of {units} model unit(s) for {model.name}? It bills {hourly}, "
            f"used or not. It cannot be removed before {ends:%Y-%m-%d %H:%M} UTC, and it renews at the end of each "
            f"term until it is deleted ([AWS]({COMMITMENT_URL}))."
        )
    st.button(
        "Provision and start billing" if commitment is None else f"Commit to the {TERMS[commitment].lower()}",
        type="primary",
        key=Key.CM_CONFIRM_PROVISION,
        on_click=act_and_close,
        args=(
            "Provision throughput",
            partial(customization.provision_throughput, commitment=commitment),
            model.id,
            units,
        ),
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


def render_imported(model: CustomModel) -> None:
    """An imported model: served on demand by its own ARN, billed by Custom Model Units in 5-minute windows."""
    details = model.import_details
    assert details is not None
    st.caption(
        "Bedrock serves an imported model on demand by its own ARN: no throughput, no deployment. It bills by "
        "Custom Model Units while its copies run, in 5-minute windows from the first successful call."
    )
    st.markdown(md_escape(price_said(details)))
    if not model.custom_model_arn:
        st.info("The ARN to call it appears here once Bedrock has imported the model.", icon=":material/hourglass_top:")
        return
    if details.converse:
        render_invoke(model.custom_model_arn, model.region)
        return
    st.caption(
        f"{details.architecture} models are called with InvokeModel and an OpenAI-compatible body, not Converse."
    )
    st.code(model.custom_model_arn, language=None)
    st.code(
        "import json\n\nimport boto3\n\n"
        f'runtime = boto3.client("bedrock-runtime", region_name="{model.region or "us-east-1"}")\n'
        f'body = {{"messages": [{{"role": "user", "content": "Hello"}}], "max_tokens": 256}}\n'
        f'answer = runtime.invoke_model(modelId="{model.custom_model_arn}", body=json.dumps(body))\n'
        'print(json.loads(answer["body"].read())["choices"][0]["message"]["content"])',
        language="python",
    )


def token_price(model: CustomModel) -> str:
    """What a call to this model on demand costs per 1,000 input and output tokens, in words."""
    services = deps.get_services()
    prices = services.costs.prices_for(model.base_model_id, model.region)
    p_in, p_out = prices.on_demand_input, prices.on_demand_output
    if p_in.price is None or p_out.price is None:
        return f"an unknown price per token ({(p_in if p_in.price is None else p_out).source})"
    return (
        f"${p_in.price * 1000:,.4g} per million input tokens and ${p_out.price * 1000:,.4g} per million output tokens"
    )


@st.dialog("Deploy on demand?")
def confirm_deploy(model: CustomModel, price: str) -> None:
    services = deps.get_services()
    customization = services.customization
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
    services = deps.get_services()
    customization = services.customization
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
    services = deps.get_services()
    customization = services.customization
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


def render_throughput(model: CustomModel, subj: Subject) -> None:
    services = deps.get_services()
    customization = services.customization
    actor = deps.get_actor()
    st.caption(
        "Provisioned Throughput bills every hour it exists, even when idle. With no commitment, Bedrock allows 1 "
        f"model unit per throughput and at most 2 per account ({customization.active_throughputs()} in use here); a "
        "1-month or 6-month term bills less per hour and takes more units, but runs to its end."
    )
    if model.throughput_status is None:
        if model.throughput_failure:  # e.g. throughput deleted outside Model Studio
            st.warning(md_escape(model.throughput_failure), icon=":material/warning:")
        term = st.radio(
            "Term", list(TERMS), format_func=lambda t: TERMS[t], key=Key.CM_TERM, horizontal=True,
            help="A term bills a lower rate for every hour of it, cannot be ended early, and renews until deleted.",
        )  # fmt: skip
        most = customization.max_model_units if term is None else 100
        units = st.number_input("Model Units", min_value=1, max_value=most, value=1, key=Key.CM_UNITS)
        for t in TERMS:
            st.caption(f"{TERMS[t]}: {hourly_price(model, int(units), t)}.")
        hourly = hourly_price(model, int(units), term)
        if term is not None:
            st.warning(
                f"A {TERMS[term].lower()} cannot be ended early: Bedrock bills every hour of it, and it renews at "
                f"the end of each term until the throughput is deleted ([AWS]({COMMITMENT_URL})).",
                icon=":material/lock_clock:",
            )
        provision = decide(Action.PROVISION, subj, actor)
        if st.button(
            "Provision throughput",
            key=Key.CM_PROVISION,
            type="primary",
            disabled=not provision,
            help=md_escape(provision.reason) or None,
        ):
            confirm_provision(model, int(units), hourly, term)
        render_idle_guard(model, subj)
        return
    running = duration((services.clock() - (model.throughput_since or model.updated_at)).total_seconds())
    st.metric("Throughput", model.throughput_status.value, help=model.throughput_arn or "being created")
    if model.throughput_arn:
        render_invoke(model.throughput_arn, model.region)
    if model.throughput_commitment and model.throughput_since:
        ends = commitment_ends(model.throughput_since, model.throughput_commitment)
        st.warning(
            f"{model.model_units} model unit(s) on a {TERMS[model.throughput_commitment].lower()}, provisioned "
            f"{running} ago: committed until {ends:%Y-%m-%d %H:%M} UTC, billed every hour of it, renewing at its "
            "end until deleted.",
            icon=":material/lock_clock:",
        )
    else:
        st.warning(
            f"{model.model_units} model unit(s) provisioned {running} ago: billed hourly until removed, even when "
            "idle.",
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
    services = deps.get_services()
    actor = deps.get_actor()
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
    services = deps.get_services()
    actor = deps.get_actor()
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


def render_copy(model: CustomModel, subj: Subject) -> None:
    """Copy to another region: the configured regions AWS copies custom models of its base to."""
    services = deps.get_services()
    targets = [r for r in copy_regions(model.base_model_id) if r in services.settings.aws_regions and r != model.region]
    copy = decide(Action.COPY, subj, deps.get_actor())
    if model.serves_itself:  # the rule says why (services/domain/actions.py)
        st.caption(md_escape(f"Copy to another region: {copy.reason}"))
        return
    if not targets:
        st.caption(
            f"Copy to another region: none of the configured regions ({', '.join(services.settings.aws_regions)}) "
            f"is one Bedrock copies custom models of {model.base_model_name} to ([AWS]({COPY_URL}))."
        )
        return
    left, right = st.columns([3, 1], vertical_alignment="bottom")
    region = left.selectbox(
        "Copy to another region", targets, key=Key.CM_COPY_REGION,
        help="A custom model of its own there (its storage billed there), servable there; the data stays where it is.",
    )  # fmt: skip
    right.button(
        "Copy", key=Key.CM_COPY, disabled=not copy, help=md_escape(copy.reason) or None, width="stretch",
        on_click=act, args=(f"Copy {model.name} to {region}", deps.get_services().customization.copy, model.id, region),
    )  # fmt: skip
