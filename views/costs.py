"""Costs: what every custom model has cost so far, the biggest spenders first."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from services.domain.errors import ServiceError
from ui import deps
from ui.components import duration, md_escape
from ui.cost_view import money
from ui.prices_view import render_prices

services = deps.services_or_stop()
costs_service = services.costs
st.title("Costs")

spend = costs_service.month_spend()
share = services.budget.share(spend)
month, budget_col = st.columns([1, 2])
month.metric(
    f"Spent in {spend.month}",
    money(spend.spent),
    help="Training completed this month, storage and throughput hours in it, and per-token calls made through "
    "Model Studio.",
)
if spend.unpriced:
    month.caption(md_escape(f"Not counted (no price known): {', '.join(spend.unpriced[:5])}."))
if share is not None and services.budget.budget is not None:
    budget_col.progress(
        min(1.0, share),
        text=f"{share:.0%} of the {money(services.budget.budget)} monthly budget (STUDIO_MONTHLY_BUDGET)",
    )
    if share >= 1:
        budget_col.error("This month's spend is past the monthly budget.", icon=":material/money_off:")
    elif share >= 0.8:
        budget_col.warning("This month's spend is past 80% of the monthly budget.", icon=":material/warning:")
else:
    budget_col.caption("No monthly budget set: STUDIO_MONTHLY_BUDGET tells at 80% and 100% of it.")

costs = costs_service.all_costs()
for item in costs_service.long_running(costs):
    st.warning(
        f"{item.name}: no-commitment throughput has been running for {item.throughput_running_hours:,.1f} hours "
        f"(more than {costs_service.warn_hours:g}); it bills every hour, used or not.",
        icon=":material/schedule:",
    )
idle = [i for i in services.idle.shown() if i.idle_hours >= 1 and i.kind == "throughput"]
if idle:
    known = [i.idle_cost for i in idle if i.idle_cost is not None]
    total = money(sum(known)) if known else "an unknown amount"
    st.error(
        md_escape(
            f"Idle throughput: {total} spent while idle, on {len(idle)} throughput(s) nobody called: "
            + "; ".join(f"{i.name} idle {i.idle_hours:,.1f} h" for i in idle[:5])
        ),
        icon=":material/hourglass_empty:",
    )
if costs_service.can_refresh:
    if st.button("Refresh prices from the AWS Price List API", key="costs_refresh_prices"):
        try:
            report = costs_service.refresh_prices(actor=deps.get_actor().for_request())
        except ServiceError as exc:
            st.error(md_escape(str(exc)))
        else:
            st.success(
                f"{len(report.changes)} price(s) changed, {report.unchanged} unchanged, "
                f"{report.unmatched} product(s) matched no catalog entry (not used)."
            )
            if report.changes:
                st.dataframe(pd.DataFrame([c.model_dump() for c in report.changes]), hide_index=True, width="stretch")
else:
    st.caption("Refreshing prices from the AWS Price List API needs the aws backend.")
if not costs:
    st.info("No custom models yet, so no costs.")
    render_prices(services, deps.get_actor())
    st.stop()

known = [c.total for c in costs if c.total is not None]
c1, c2, c3 = st.columns(3)
deleted = sum(c.deleted_at is not None for c in costs)
c1.metric("Custom models", len(costs) - deleted, help=f"and {deleted} deleted, kept here with what they cost")
c2.metric("Known costs so far", money(sum(known)))
c3.metric("Models with an unknown price", sum(c.total is None for c in costs))
if deleted:
    st.caption(f"{deleted} deleted model(s) kept here with what they cost until they were deleted: AWS billed it.")
table = pd.DataFrame(
    {
        "Model": [c.name + (f" (deleted {c.deleted_at:%Y-%m-%d})" if c.deleted_at else "") for c in costs],
        "Training": [money(c.training) for c in costs],
        "Storage": [money(c.storage) for c in costs],
        "Throughput": [money(c.throughput) for c in costs],
        "Total": [money(c.total) for c in costs],
        "How": [f"{c.training_note}; {c.storage_note}; {c.throughput_note}" for c in costs],
    }
)
st.dataframe(table, hide_index=True, width="stretch")
running = [c for c in costs if c.throughput_running_hours is not None]
if running:
    st.markdown("**Still running** (billing every hour, used or not)")
    st.dataframe(
        pd.DataFrame(
            {
                "Model": [c.name for c in running],
                "Running for": [duration((c.throughput_running_hours or 0.0) * 3600) for c in running],
                "Throughput so far": [money(c.throughput) for c in running],
            }
        ),
        hide_index=True,
        width="stretch",
    )
series = costs_service.spend_over_time()
if series:
    frame = pd.DataFrame(
        [
            {
                "at": at,
                "model": c.name + (" (deleted)" if c.deleted_at else ""),
                "Training": c.training or 0.0,
                "Storage": c.storage or 0.0,
                "Throughput": c.throughput or 0.0,
            }
            for at, c in series
        ]
    )
    by_time = frame.groupby("at")[["Training", "Storage", "Throughput"]].sum()
    left, right = st.columns(2)
    components = go.Figure()
    for name in ("Training", "Storage", "Throughput"):
        components.add_scatter(x=by_time.index, y=by_time[name], name=name, stackgroup="spend", mode="lines")
    components.update_layout(
        title="Spend over time, by component (known prices)", yaxis_title="USD", height=360, hovermode="x unified"
    )
    left.plotly_chart(components, width="stretch", theme=None, key="spend-components")
    frame["total"] = frame[["Training", "Storage", "Throughput"]].sum(axis=1)
    per_model = go.Figure()
    for name, rows in frame.groupby("model"):
        per_model.add_scatter(x=rows["at"], y=rows["total"], name=str(name), mode="lines")
    per_model.update_layout(title="Spend over time, per model", yaxis_title="USD", height=360, hovermode="x unified")
    right.plotly_chart(per_model, width="stretch", theme=None, key="spend-models")
top = [c for c in costs if c.total is not None][:10]
if top:
    fig = go.Figure()
    for name, attr in (("Training", "training"), ("Storage", "storage"), ("Throughput", "throughput")):
        fig.add_bar(name=name, y=[c.name for c in top], x=[getattr(c, attr) or 0 for c in top], orientation="h")
    fig.update_layout(
        barmode="stack",
        title="Biggest spenders",
        xaxis_title="USD",
        height=max(300, 140 + 48 * len(top)),
        bargap=0.25,
        margin={"l": 10, "r": 10, "t": 50, "b": 40},
    )
    fig.update_yaxes(autorange="reversed", automargin=True)
    st.plotly_chart(fig, width="stretch", theme=None, key="spend-top")
st.caption(
    f"Prices from catalog {costs_service.prices.version} for {costs_service.region}. Storage counts from when the "
    "model was made; throughput counts every hour it existed, including throughput removed since."
)
render_prices(services, deps.get_actor())
