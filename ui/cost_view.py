"""How estimates and costs are shown. Display only: the arithmetic is in services.costs.pricing."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from services.costs.estimate import Estimate
from services.costs.pricing import PRICING_PAGE
from ui.components import md_escape


def money(value: float | None) -> str:
    return "unknown" if value is None else f"${value:,.2f}"


def render_comparison(result: Estimate) -> None:
    """Throughput hours against on-demand tokens for a month, and the break-even point."""
    c = result.comparison
    assert c is not None
    st.markdown("**Throughput or on demand, per month**")
    left, middle, right = st.columns(3)
    left.metric("Throughput", money(c.throughput_month), help="model units × hours/day × 30.4 days × price per MU-hour")
    middle.metric("On demand", money(c.on_demand_month), help="tokens ÷ 1,000 × price per 1K input or output tokens")
    right.metric(
        "Break-even",
        "unknown" if c.break_even_tokens is None else f"{c.break_even_tokens:,} tokens",
        help="tokens per month (in the same input:output mix) at which both cost the same",
    )
    if c.cheaper is None:
        st.caption(
            f"Which is cheaper is unknown: a price is missing. AWS publishes it on its [pricing page]({PRICING_PAGE}); "
            "an admin can set it on the Costs page."
        )
    else:
        st.caption(f"At this traffic, {c.cheaper} is cheaper.")


def render_estimate(result: Estimate, *, charts: bool = True) -> None:
    columns = st.columns(len(result.components) + 1)
    for column, component in zip(columns, result.components, strict=False):
        column.metric(component.name, money(component.cost), help=component.formula)
    columns[-1].metric("Total", money(result.total))
    unpriced = [c.name for c in result.components if c.cost is None and c.price.price is None]
    unmeasured = [c for c in result.components if c.cost is None and c.price.price is not None]
    for component in unmeasured:  # priced, but how much is not known yet
        st.warning(md_escape(f"{component.name}: unknown: {component.formula}."), icon=":material/help:")
    if unpriced:
        st.warning(
            md_escape(
                f"The total is unknown: no source found for the {', '.join(unpriced).lower()} price of {result.label}."
            )
            + f" See AWS's [pricing page]({PRICING_PAGE}); an admin can set the price, with its source, on the "
            "Costs page.",
            icon=":material/help:",
        )
    if result.comparison is not None:
        render_comparison(result)
    if charts and result.total is not None:
        left, right = st.columns(2)
        bar = go.Figure()
        for component in result.components:
            bar.add_bar(name=component.name, x=["estimate"], y=[component.cost or 0.0])
        bar.update_layout(barmode="stack", height=320, title="Components", yaxis_title="USD")
        left.plotly_chart(bar, width="stretch", theme=None)
        months = [m for m, _ in result.monthly]
        line = go.Figure(
            go.Scatter(x=months, y=[c for _, c in result.monthly], mode="lines+markers", name="cumulative")
        )
        line.update_layout(height=320, title="Cumulative cost", xaxis_title="month", yaxis_title="USD")
        right.plotly_chart(line, width="stretch", theme=None)
    rows = [
        {
            "Component": c.name,
            "Quantity": f"{c.quantity:,.2f} {c.unit}",
            "Price": c.price_text(),
            "Cost": money(c.cost),
        }
        for c in result.components
    ]
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    st.caption(
        f"Prices from catalog {result.catalog_version}."
        + (f" Tokens {result.token_method}." if result.token_method else "")
        + " Trained tokens = tokens in the training data × epochs."
    )
