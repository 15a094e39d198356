"""Import Model: open weights from an S3 folder become a custom model of type IMPORTED (Custom Model Import). The
folder is checked as Bedrock checks it before anything is asked of Bedrock (services/domain/imports.py decides);
this page only shows what the check and the service say."""

from __future__ import annotations

import streamlit as st

from services.domain.errors import ServiceError
from services.domain.imports import ARCHITECTURES, COST_URL, IMPORT_URL
from ui import deps
from ui.acting import flash, show_flashes
from ui.components import md_escape
from ui.state import Key

services = deps.services_or_stop()
actor = deps.get_actor()

st.title("Import Model")
st.caption(
    "Bring a model trained elsewhere: Bedrock imports Hugging Face weights from an S3 folder (config.json, "
    "tokenizer.json, tokenizer_config.json and .safetensors weights) and serves it on demand, billed by Custom "
    "Model Units in 5-minute windows while it runs."
)
show_flashes()
names = sorted({a.name for a in ARCHITECTURES.values()})
st.markdown(
    f"Architectures Bedrock imports: {md_escape(', '.join(names))} ([import rules]({IMPORT_URL}), "
    f"[what it costs]({COST_URL}))."
)
with st.form(Key.IM_FORM):
    name = st.text_input("Model name", max_chars=63, key=Key.IM_NAME, placeholder="support-llama")
    location = st.text_input(
        "Model folder (s3:// URI)", max_chars=1024, key=Key.IM_LOCATION, placeholder="s3://bucket/weights/my-model/"
    )
    regions = list(services.settings.aws_regions)
    region = st.selectbox("Region", regions, key=Key.IM_REGION)
    left, right = st.columns(2)
    checked = left.form_submit_button("Check folder", icon=":material/fact_check:")
    imported = right.form_submit_button("Import", type="primary", icon=":material/upload:")

if checked and location.strip():
    try:
        architecture, problems = services.customization.imports.folder_check(location.strip())
    except ServiceError as exc:
        st.error(md_escape(str(exc)))
    else:
        if problems:
            st.error(md_escape("Bedrock would refuse this folder: " + " ".join(problems)))
        elif architecture is not None:
            api = "Converse" if architecture.converse else "InvokeModel (an OpenAI-compatible body)"
            st.success(md_escape(f"Ready to import: a {architecture.name} model, called by {api}."))
elif imported:
    try:
        model = services.customization.start_import(name, location, actor=actor.for_request(), region=region)
    except ServiceError as exc:
        st.error(md_escape(f"Import: {exc}"))
    else:
        flash("success", f"Importing {model.name} in {model.region}: it turns YELLOW once Bedrock has imported it.")
        st.switch_page("views/custom_model.py", query_params={"model": model.id})
