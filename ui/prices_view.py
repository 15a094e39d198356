"""The Costs page's Prices section: the prices nobody could find a source for, with AWS's pricing page,
and for admins a form that sets one (services/costs/ledger.py: CostService.set_price, audited)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from services.bootstrap import Services
from services.costs.pricing import COMPONENTS, PRICING_PAGE
from services.domain.errors import ServiceError
from services.domain.identity import Actor
from ui.components import md_escape
from ui.state import Key

LABELS = {
    "training": "Training (per 1,000 tokens, or per image)",
    "storage_month": "Storage (per model-month)",
    "inference_no_commit": "Throughput, no commitment (per model unit-hour)",
    "inference_1_month": "Throughput, 1-month term (per model unit-hour)",
    "inference_6_month": "Throughput, 6-month term (per model unit-hour)",
    "on_demand_input": "Custom model on demand (per 1,000 input tokens)",
    "on_demand_output": "Custom model on demand (per 1,000 output tokens)",
}
assert set(LABELS) == set(COMPONENTS)
CORE = ("training", "storage_month", "inference_no_commit")


def _option(key: str, names: dict[str, str]) -> str:
    model_id, region = key.split("|")
    return f"{names.get(model_id, model_id)} · {region}  ({model_id.split(':', 1)[-1]})"


def render_prices(services: Services, actor: Actor) -> None:
    costs = services.costs
    models = costs.estimable_models()
    catalog = costs.prices  # read once for every model and region below
    missing = []
    for model in models:
        for region in costs.regions:
            if model.regions and region not in model.regions:
                continue
            found = costs.prices_for(model.id, region, catalog)
            for name in CORE:
                if getattr(found, name).price is None:
                    missing.append({"Model": model.label, "Region": region, "Price": LABELS[name]})
    with st.expander(f"Prices: {len(missing)} without a source", icon=":material/sell:", expanded=bool(missing)):
        if missing:
            st.markdown(
                f"No source was found for these prices. AWS publishes them on its [pricing page]({PRICING_PAGE}); "
                "until one is set, estimates and costs that need them say so instead of guessing."
            )
            st.dataframe(
                pd.DataFrame(missing), hide_index=True, width="stretch", height=min(400, 36 + 35 * len(missing))
            )
        else:
            st.markdown("Every fine-tunable model has a price with its source in every configured region.")
        if not actor.is_admin:
            st.caption("An admin can set a price here, with its source.")
            return
        st.markdown("**Set a price** (for every replica; audited with your name and the source you give)")
        names = {m.id: m.label for m in models}
        where = [
            f"{m.id}|{r}" for m in models for r in costs.regions if not m.regions or r in m.regions
        ]  # a base model, in each configured region where it can be customized
        with st.form("set-price", clear_on_submit=False, border=False):
            left, right = st.columns([3, 2])
            chosen = left.selectbox(
                "Base model and region", where, key=Key.PRICE_MODEL, format_func=lambda k: _option(k, names)
            )
            component = right.selectbox("Price", list(LABELS), key=Key.PRICE_COMPONENT, format_func=lambda c: LABELS[c])
            price_col, source_col = st.columns([1, 4])
            value = price_col.number_input(
                "US dollars", min_value=0.0, max_value=1_000_000.0, value=0.0, step=0.0001, format="%.6f",
                key=Key.PRICE_VALUE,
            )  # fmt: skip
            source = source_col.text_input(
                "Source", max_chars=300, key=Key.PRICE_SOURCE,
                placeholder="e.g. AWS pricing page, model customization table, read 2026-12-04",
            )  # fmt: skip
            saved = st.form_submit_button("Set price", key=Key.PRICE_SAVE, icon=":material/save:")
        if saved and chosen:
            model_id, region = chosen.split("|")
            try:
                costs.set_price(model_id, region, component, value, source, actor=actor.for_request())
            except ServiceError as exc:
                st.error(md_escape(str(exc)), icon=":material/error:")
            else:  # said once, after the rerun that shows the list without it
                st.session_state[Key.PRICE_SAVED] = (
                    f"{names[model_id]} in {region}: {LABELS[component]} set to ${value:g}."
                )
                st.rerun()
        said = st.session_state.pop(Key.PRICE_SAVED, None)
        if said:
            st.success(md_escape(said), icon=":material/check_circle:")
