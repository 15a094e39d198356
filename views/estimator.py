"""Cost Estimator: what a customization will cost before it starts."""

from __future__ import annotations

import streamlit as st
from pydantic import ValidationError

from services.costs.estimate import EstimateInput
from services.domain.errors import ServiceError
from ui import deps
from ui.components import md_escape, pick_label
from ui.cost_view import render_estimate
from ui.state import Key
from ui.uploads import as_upload

services = deps.services_or_stop()
costs = services.costs
st.title("Cost Estimator")
st.caption("Training per 1,000 tokens, storage per model-month, inference per model unit-hour (no commitment).")

models = costs.estimable_models()
if not models:
    st.info("No Amazon Bedrock base model that supports fine-tuning is in the catalog: sync the models first.")
    st.stop()
by_id = {m.id: m for m in models}
left, right = st.columns([3, 1])
base_id = left.selectbox("Base Model", list(by_id), key=Key.EST_BASE, format_func=lambda i: pick_label(by_id[i]))
regions = sorted(set(services.settings.aws_regions) | set(by_id[base_id].regions))
default_region = (
    costs.region if costs.region in by_id[base_id].regions else (by_id[base_id].regions or (costs.region,))[0]
)
region = right.selectbox(
    "Region",
    regions,
    key=f"{Key.EST_REGION}:{base_id}",
    index=regions.index(default_region),  # per model
)

source = st.radio(
    "Training data", ["Token count", "Upload a .jsonl file", "Data in S3"], horizontal=True, key=Key.EST_SOURCE
)
tokens: int | None = None
method = "given by you"
if source == "Token count":
    tokens = int(
        st.number_input("Tokens in the training data", min_value=0, value=1_000_000, step=100_000, key=Key.EST_TOKENS)
    )
elif source == "Upload a .jsonl file":
    upload = st.file_uploader(
        "Training data", type=["jsonl"], key=Key.EST_FILE, max_upload_size=services.settings.max_upload_mb
    )
else:
    uri = st.text_input("s3:// URI of the training data", key=Key.EST_URI, placeholder="s3://bucket/path/train.jsonl")

c1, c2, c3, c4, c5 = st.columns(5)
epochs = int(c1.number_input("Epochs", min_value=1, max_value=1000, value=2, key=Key.EST_EPOCHS))
months = c2.number_input("Months to keep the model", min_value=0.0, max_value=120.0, value=1.0, key=Key.EST_MONTHS)
units = int(c3.number_input("Model units", min_value=0, max_value=100, value=1, key=Key.EST_UNITS))
hours = c4.number_input("Throughput hours per day", min_value=0.0, max_value=24.0, value=8.0, key=Key.EST_HOURS)
days = c5.number_input("Days of throughput", min_value=0.0, max_value=3650.0, value=5.0, key=Key.EST_DAYS)

with st.expander("Serve on demand instead? (custom Nova models: billed per token, no idle charge)"):
    st.caption(
        "Expected traffic per month. The comparison puts throughput (the model units and hours per day above, "
        "for a whole month) beside on-demand tokens, and says where they cost the same."
    )
    o1, o2 = st.columns(2)
    od_in = int(o1.number_input("Input tokens per month", min_value=0, value=0, step=1_000_000, key=Key.EST_OD_IN))
    od_out = int(o2.number_input("Output tokens per month", min_value=0, value=0, step=1_000_000, key=Key.EST_OD_OUT))

if st.button("Estimate", type="primary", key=Key.EST_RUN):
    if source != "Token count":
        try:
            data = (
                as_upload(upload, services.settings)
                if source == "Upload a .jsonl file" and upload is not None
                else (uri.strip() or None if source == "Data in S3" else None)
            )
        except ServiceError as exc:
            st.error(md_escape(str(exc)))
            st.stop()
        with st.spinner("Counting tokens record by record…"):
            check = services.customization.check_data(base_id, data)
        if not check.ok or check.training is None:
            st.error(
                "No estimate: the data has problems, and an estimate from part of it would be made up.\n\n"
                + "\n".join(f"- {p}" for p in check.problems[:20])
            )
            st.stop()
        tokens, method = check.training.tokens, check.training.token_method
        st.caption(f"{check.training.records:,} records, ~{tokens:,} tokens.")
    try:
        request = EstimateInput(
            base_model_id=base_id,
            region=region,
            training_units=tokens or 0,
            epochs=epochs,
            months=months,
            model_units=units,
            hours_per_day=hours,
            days=days,
            token_method=method,
            on_demand_input_tokens=od_in,
            on_demand_output_tokens=od_out,
        )
        render_estimate(costs.estimate(request))
    except ValidationError as exc:
        st.error("No estimate: " + "; ".join(f"{e['loc'][0]}: {e['msg']}" for e in exc.errors()))
    except ServiceError as exc:
        st.error(md_escape(f"No estimate: {exc}"))
