"""New Model: customize a Bedrock base model by one of the methods (services/customization/methods/).
Thin: every rule is in CustomizationService."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from services.costs.estimate import EstimateInput
from services.customization import DataInput, NewCustomModel, Upload
from services.customization.methods import METHODS
from services.domain.errors import InvalidData, InvalidRequest, ServiceError
from ui import deps
from ui.components import dataset_summary, md_escape, pick_label
from ui.cost_view import render_estimate
from ui.data_view import render_check, render_converted, render_template
from ui.method_fields import logs_source, render_choices, render_fields, render_trial
from ui.state import Key, hp_key
from ui.uploads import as_upload

services = deps.services_or_stop()
customization = services.customization
settings = services.settings

st.title("New Model")
st.caption(
    "Customize an Amazon Bedrock base model. The data is checked record by record before anything is "
    "uploaded or any job is created."
)

source = st.session_state.pop(Key.NM_FROM, None)
if source:
    st.info(
        f"A new run from {md_escape(source)}: its base model, region, data and hyperparameters are filled in, "
        "under a new name. Change what you want to try, then Check data or Create model.",
        icon=":material/content_copy:",
    )

method_key = st.selectbox(
    "Customization Type",
    list(METHODS),
    key=Key.NM_TYPE,
    format_func=lambda k: METHODS[k].label,
    help=" ".join(f"{m.label}: {m.summary}" for m in METHODS.values()),
)
method = METHODS[method_key]
st.caption(md_escape(method.summary) + f" [AWS user guide]({method.source})")
choices = customization.base_model_choices(method)
if method_key == "FINE_TUNING":  # a completed custom model, tuned further from its own weights
    choices += customization.further_choices(deps.get_actor())
if not choices:
    st.warning(
        f"No base model offers {method.label.lower()} yet: an admin must enable (GREEN) an Amazon Bedrock "
        f"base model that supports {method.label.lower()} on the Models page.",
        icon=":material/block:",
    )
    st.page_link("views/models.py", label="Go to Models", icon=":material/view_list:")
    st.stop()

by_id = {v.id: v for v in choices}
base_id = st.selectbox(
    "Base Model",
    list(by_id),
    key=Key.NM_BASE,
    format_func=lambda i: pick_label(by_id[i].record),
    help=f"Enabled (GREEN) Bedrock base models that support {method.label.lower()}"
    + (", and completed custom models you may tune further." if method_key == "FINE_TUNING" else "."),
)
base = by_id[base_id]
foundation = customization.foundation_of(base.record)  # tuned further: its foundation model's rules and prices
if foundation.id != base.id:
    st.caption(
        f"Tuned further from {md_escape(base.record.name)}'s weights, by the rules and prices of its foundation "
        f"model, {md_escape(foundation.name)}."
    )
family = customization.family_of(foundation, method)
regions = customization.regions_for(base.record)
preferred, no_region = customization.job_region(base.record, None)
if no_region:
    st.warning(md_escape(no_region), icon=":material/public_off:")
region = st.selectbox(
    "Region",
    regions,
    index=regions.index(preferred) if preferred in regions else 0,
    key=f"{Key.NM_REGION}-{base_id}",  # per base model: its own regions
    help=(
        f"Where the job runs, and its custom model, throughput and prices live: {base.record.name} can be "
        f"customized in {', '.join(base.record.regions) or 'every region'}; configured: "
        f"{', '.join(services.settings.aws_regions)} (STUDIO_AWS_REGIONS)."
    ),
)
if family is not None:
    st.caption(
        f"{family.label}: {family.data_format.described}"
        + (f"; {family.notes}" if family.notes else "")
        + ("" if family.validation_supported else "; no validation dataset")
    )
    render_template(family)

render_choices(method_key, simulated=settings.backend == "local")
with st.form(Key.NM_FORM):
    name = st.text_input(
        "Model Name",
        key=Key.NM_NAME,
        max_chars=63,
        help="Unique across all models. Letters and digits, each optionally followed by one '-' or '_'.",
    )
    description = st.text_area("Description", key=Key.NM_DESCRIPTION, max_chars=2000)
    left, right = st.columns(2)
    with left:
        st.markdown("**Training Data**")
        training_file = st.file_uploader(
            "Upload a .jsonl file",
            type=["jsonl"],
            key=Key.NM_TRAINING_FILE,
            max_upload_size=settings.max_upload_mb,
        )
        training_uri = st.text_input(
            "… or the s3:// URI of data already in S3",
            key=Key.NM_TRAINING_URI,
            placeholder="s3://bucket/path/train.jsonl",
            help=f"For files over {settings.max_upload_mb} MB (the browser upload limit, STUDIO_MAX_UPLOAD_MB).",
        )
    with right:
        st.markdown("**Validation Data** (optional)")
        validation_file = st.file_uploader(
            "Upload a .jsonl file",
            type=["jsonl"],
            key=Key.NM_VALIDATION_FILE,
            max_upload_size=settings.max_upload_mb,
            disabled=family is not None and not family.validation_supported,
        )
        validation_uri = st.text_input(
            "… or the s3:// URI of data already in S3",
            key=Key.NM_VALIDATION_URI,
            placeholder="s3://bucket/path/validation.jsonl",
            disabled=family is not None and not family.validation_supported,
        )
    st.markdown("**Hyper Parameters**")
    hyper: dict[str, str] = {}
    if family is not None and not family.hyperparameters:
        st.caption(f"Bedrock chooses the training settings for {method.label.lower()}: it takes none.")
    elif family is not None:
        columns = st.columns(min(3, len(family.hyperparameters)))
        for i, hp in enumerate(family.hyperparameters):
            default = "" if hp.default is None else hp.format(hp.default)
            hyper[hp.name] = columns[i % len(columns)].text_input(
                hp.name,
                value=default,
                key=hp_key(hp.name, base_id, method_key),
                help=f"{hp.range_text()}; default {default or 'none: required'}. {hp.help}".strip(),
            )
    else:
        st.caption(f"Model Studio has no hyperparameter table for {base.record.model_id}: give name/value pairs.")
        edited = st.data_editor(
            pd.DataFrame({"name": pd.Series(dtype=str), "value": pd.Series(dtype=str)}),
            num_rows="dynamic",
            key=Key.NM_FREE_HP,
            width="stretch",
        )
        hyper = {str(r["name"]).strip(): str(r["value"]) for _, r in edited.iterrows() if str(r["name"]).strip()}
    options = render_fields(method_key, simulated=settings.backend == "local", base=base)
    graded = bool(options and "Grader" in options)
    columns = st.columns(3 if graded else 2)
    check = columns[0].form_submit_button("Check data", key=Key.NM_CHECK, width="stretch")
    test_grader = graded and columns[1].form_submit_button(
        "Test grader",
        key=Key.NM_TEST_GRADER,
        width="stretch",
        help="Run the grader on the first records of the training data before anything is paid.",
    )
    create = columns[-1].form_submit_button("Create model", type="primary", key=Key.NM_CREATE, width="stretch")


def data_input(upload: object, uri: str, label: str) -> DataInput | None:
    if upload is not None and uri.strip():
        st.error(f"{label}: give a file or an S3 URI, not both.")
        st.stop()
    if upload is not None:
        try:
            return as_upload(upload, settings)
        except InvalidRequest as exc:
            st.error(md_escape(f"{label}: {exc}"))
            st.stop()
    return uri.strip() or None


def show_reports(reports: list[object]) -> None:
    for report in reports:
        st.caption(dataset_summary(report))


if test_grader:
    training = data_input(training_file, training_uri, "Training Data")
    try:
        with st.spinner("Grading the first records…"):
            trial = customization.test_grader(options, training, st.session_state.get(Key.NM_GRADER_CANDIDATE))
    except InvalidRequest as exc:
        st.error("\n".join(f"- {md_escape(p)}" for p in exc.problems))
    except ServiceError as exc:
        st.error(md_escape(str(exc)))
    else:
        render_trial(trial)

if check or create:
    training = data_input(training_file, training_uri, "Training Data")
    validation = data_input(validation_file, validation_uri, "Validation Data")
    request = NewCustomModel(  # one request, checked or created the same way
        name=name,
        description=description,
        base_model_id=base_id,
        customization_type=method_key,
        hyperparameters=hyper,
        region=region,
        options=options,
        invocation_logs=logs_source(method_key),
    )
    if check:
        with st.spinner("Checking the request and the data record by record…"):
            result = customization.check_whole(request, training, validation)[2]  # as Create checks it
        render_check(result)
        if isinstance(training, Upload) and family is not None and result.training is not None:
            render_converted(training, family, result.training)
        naming_only = all(p.startswith(("Model Name", "Description")) for p in result.problems)
        if naming_only and result.training is not None:  # the data's cost, even before the model has its name
            st.markdown(f"**Estimated cost** ({result.epochs} epoch(s), one month of storage, no throughput yet)")
            estimate = services.costs.estimate(
                EstimateInput(
                    base_model_id=foundation.id,
                    region=region or services.costs.region,
                    training_units=result.training.tokens,
                    epochs=result.epochs,
                    months=1,
                    model_units=0,
                    token_method=result.training.token_method,
                    training_billing=method.billing,
                    **customization.teaching(request, result.training.records),
                )
            )
            render_estimate(estimate, charts=False)
    else:
        bar = st.progress(0.0, text="Checking the data…")

        def progress(what: str, done: int, total: int) -> None:
            bar.progress(min(1.0, done / max(total, 1)), text=f"Uploading {what} data: {done:,} of {total:,} bytes")

        try:
            model = customization.create(
                request, training, validation, progress=progress, actor=deps.get_actor().for_request()
            )
        except InvalidData as exc:
            bar.empty()
            show_reports(exc.reports)
            st.error(
                f"Nothing was created: {len(exc.problems)} problem(s).\n\n"
                + "\n".join(f"- {md_escape(p)}" for p in exc.problems[:40])
            )
        except ServiceError as exc:
            bar.empty()
            st.error(md_escape(str(exc)))
        else:
            bar.progress(1.0, text="Job submitted.")
            st.session_state[Key.NM_CREATED] = model.id
            st.success(f"Created {model.name}: job {model.job_status.value}. Follow it on its page.")
            st.page_link(
                "views/custom_model.py",
                label=f"Open {model.name}",
                icon=":material/open_in_new:",
                query_params={"model": model.id},
            )
