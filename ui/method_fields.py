"""A customization method's own fields on the New Model form (the API's CustomizationConfig), one renderer per
method that has any: reinforcement fine-tuning's grader and Test grader, distillation's teacher. Display only:
what a grader or a teacher may be is decided by services/domain/ and the method, and the service says what is
wrong."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pandas as pd
import streamlit as st

from services.domain.graders import BUILTINS, LAMBDA_CONTRACT_URL, REWARD_FUNCTIONS_URL
from ui import deps
from ui.components import pick_label
from ui.state import Key

PAIRS_URL = "https://docs.aws.amazon.com/bedrock/latest/userguide/prequisites-model-distillation.html"
LOGS_URL = "https://docs.aws.amazon.com/bedrock/latest/userguide/distillation-data-prep-option-2.html"
SOURCES = {"file": "Prompts (a .jsonl file)", "logs": "Bedrock's invocation logs"}

BUILTIN_LABELS = {
    "exact-match": "Exact match",
    "numeric": "Number within a tolerance",
    "json": "JSON with the reference's fields",
    "regex": "Regular expression",
}
GRADER_KINDS = {"builtin": "A built-in grader", "url": "An HTTP grader on this machine"}


def render_choices(method_key: str, simulated: bool) -> None:
    """The method's choices that change which fields the form shows (outside the form, so a choice shows its
    fields at once)."""
    chooser = CHOOSERS.get(method_key)
    if chooser:
        chooser(simulated)


def render_fields(method_key: str, simulated: bool, base: Any = None) -> dict[str, Any] | None:
    """The method's own fields, inside the form; what the request's ``options`` are (None: it takes none).
    ``base``: the chosen base model's view (a distillation's student)."""
    if method_key == "DISTILLATION":
        return _teacher(base)
    renderer = RENDERERS.get(method_key)
    return renderer(simulated) if renderer else None


def prefill(method_key: str, options: Mapping[str, Any] | None) -> dict[str, Any]:
    """Session-state values that put ``options`` back in the method's fields ("New run from this one")."""
    if method_key == "DISTILLATION":
        teacher, length = (options or {}).get("TeacherModelId"), (options or {}).get("MaxResponseLength")
        filled: dict[str, Any] = {Key.NM_TEACHER_ID: str(teacher or "")}
        return filled | ({Key.NM_TEACHER_LENGTH: str(length)} if length else {})
    grader = (options or {}).get("Grader") or {}
    if method_key != "REINFORCEMENT_FINE_TUNING" or not isinstance(grader, Mapping):
        return {}
    if "LambdaArn" in grader:
        return {Key.NM_GRADER_LAMBDA: grader["LambdaArn"]}
    if "Url" in grader:
        return {Key.NM_GRADER_KIND: "url", Key.NM_GRADER_URL: grader["Url"]}
    out: dict[str, Any] = {Key.NM_GRADER_KIND: "builtin", Key.NM_GRADER_BUILTIN: grader.get("Builtin", "exact-match")}
    if "Tolerance" in grader:
        out[Key.NM_GRADER_TOLERANCE] = str(grader["Tolerance"])
    if "Pattern" in grader:
        out[Key.NM_GRADER_PATTERN] = grader["Pattern"]
    return out


def _choose_grader(simulated: bool) -> None:
    st.markdown("**Grader**")
    if not simulated:
        st.caption(
            "Bedrock grades the model's answers with your Lambda function and trains toward the rewards it returns. "
            f"How a grader is written: [reward functions]({REWARD_FUNCTIONS_URL}), "
            f"[its input and output]({LAMBDA_CONTRACT_URL})."
        )
        return
    st.caption(
        "This is the local simulation: it cannot call AWS Lambda, so the job is graded by a built-in grader or "
        "by your own grader served on this machine, which takes and returns what a "
        f"[grader Lambda]({LAMBDA_CONTRACT_URL}) does."
    )
    left, right = st.columns(2)
    kind = left.radio(
        "Grade with", list(GRADER_KINDS), format_func=lambda k: GRADER_KINDS[k], key=Key.NM_GRADER_KIND, horizontal=True
    )
    if kind == "builtin":
        right.selectbox(
            "Built-in grader",
            list(BUILTINS),
            format_func=lambda k: BUILTIN_LABELS[k],
            key=Key.NM_GRADER_BUILTIN,
            help=" ".join(f"{BUILTIN_LABELS[k]}: {v}." for k, v in BUILTINS.items()),
        )


def _grader(simulated: bool) -> dict[str, Any]:
    if not simulated:
        arn = st.text_input(
            "Grader Lambda function ARN",
            key=Key.NM_GRADER_LAMBDA,
            placeholder="arn:aws:lambda:us-east-1:123456789012:function:my-grader",
            help=(
                "The customization role needs lambda:InvokeFunction on it; raise its timeout from the 3-second "
                "default for slow grading. Test grader invokes it with Model Studio's own credentials."
            ),
        )
        return {"Grader": {"LambdaArn": arn.strip()}}
    if st.session_state.get(Key.NM_GRADER_KIND, "builtin") == "url":
        url = st.text_input("Grader URL", key=Key.NM_GRADER_URL, placeholder="http://127.0.0.1:8900/grade")
        return {"Grader": {"Url": url.strip()}}
    builtin = st.session_state.get(Key.NM_GRADER_BUILTIN, "exact-match")
    grader: dict[str, Any] = {"Builtin": builtin}
    if builtin == "numeric":
        raw = st.text_input("Tolerance", value="0.000001", key=Key.NM_GRADER_TOLERANCE)
        try:
            grader["Tolerance"] = float(raw)
        except ValueError:
            grader["Tolerance"] = raw  # the service says what is wrong with it
    if builtin == "regex":
        grader["Pattern"] = st.text_input("Pattern", key=Key.NM_GRADER_PATTERN, placeholder=r"^\d+$")
    return {"Grader": grader}


def _rft(simulated: bool) -> dict[str, Any]:
    options = _grader(simulated)
    st.text_input(
        "Candidate answer for Test grader (optional)",
        key=Key.NM_GRADER_CANDIDATE,
        help="Test grader scores this answer for the first records; left blank, each record's own reference answer.",
    )
    return options


def _choose_source(simulated: bool) -> None:
    """Distillation's data: prompts in a file, or the calls Bedrock logged (and where each region logs them)."""
    kind = st.radio(
        "Distillation data", list(SOURCES), format_func=lambda k: SOURCES[k], key=Key.NM_SOURCE, horizontal=True
    )
    if kind != "logs":
        return
    regions = deps.services_or_stop().customization.logging.status()
    said = "; ".join(f"{r.region}: {r.destination or 'off'}" for r in regions)
    st.caption(
        f"Invocation logging (where Bedrock writes each call): {said}. An admin turns it on with "
        "PUT /api/invocation-logging; calls through Model Studio carry their `metadata` to the logs. "
        f"[Invocation logs as data]({LOGS_URL})"
    )


def logs_source(method_key: str) -> dict[str, Any] | None:
    """The request's invocation logs (TrainingDataSource.InvocationLogs), when distillation takes its data there."""
    if method_key != "DISTILLATION" or st.session_state.get(Key.NM_SOURCE) != "logs":
        return None
    source: dict[str, Any] = {
        "S3Uri": str(st.session_state.get(Key.NM_LOGS_URI, "")).strip(),
        "UsePromptResponse": bool(st.session_state.get(Key.NM_LOGS_ANSWERS, False)),
    }
    key = str(st.session_state.get(Key.NM_LOGS_KEY, "")).strip()
    if key:
        source["Filters"] = {"Equals": {key: str(st.session_state.get(Key.NM_LOGS_VALUE, ""))}}
    return source


def _logs_fields() -> None:
    st.markdown("**Invocation logs**")
    st.text_input("Logs location", key=Key.NM_LOGS_URI, placeholder="s3://my-bucket/invocation-logs/")
    left, right = st.columns(2)
    left.text_input("Only calls whose metadata key…", key=Key.NM_LOGS_KEY, placeholder="use-case")
    right.text_input("… has the value", key=Key.NM_LOGS_VALUE, placeholder="support")
    st.checkbox(
        "Train on the logged answers (only the teacher's own calls count; the teacher is not called again)",
        key=Key.NM_LOGS_ANSWERS,
    )


def _teacher(base: Any) -> dict[str, Any]:
    """A distillation's teacher: an enabled model AWS pairs with this student, or an inference profile or ARN of
    one; and the longest answer it writes."""
    st.markdown("**Teacher**")
    teachers = deps.services_or_stop().customization.teacher_choices(base.record) if base is not None else []
    by_id = {v.record.model_id: v for v in teachers}
    left, right = st.columns(2)
    if by_id:
        chosen = left.selectbox(
            "Teacher model",
            list(by_id),
            key=Key.NM_TEACHER,
            format_func=lambda i: pick_label(by_id[i].record),
            help=f"Enabled models AWS pairs with this student ([teachers and students]({PAIRS_URL})). It answers "
            "every prompt, billed at its on-demand price.",
        )
    else:
        chosen = ""
        left.warning(
            "No enabled model teaches this student: an admin enables one AWS pairs with it on the Models page, "
            "or name an inference profile here.",
            icon=":material/block:",
        )
    given = right.text_input(
        "… or its inference profile or ARN (optional)",
        key=Key.NM_TEACHER_ID,
        placeholder="us.amazon.nova-premier-v1:0",
        help="A cross-Region inference profile needs invoke permission on the profile and on the model in each "
        "of its Regions for the customization role.",
    )
    length = st.text_input(
        "Longest teacher answer, in tokens (optional)",
        key=Key.NM_TEACHER_LENGTH,
        help="Bounds the teacher's answers and so its cost; left blank, Bedrock's default.",
    )
    if st.session_state.get(Key.NM_SOURCE) == "logs":
        _logs_fields()
    options: dict[str, Any] = {"TeacherModelId": given.strip() or chosen}
    if length.strip():
        options["MaxResponseLength"] = int(length) if length.strip().isdigit() else length.strip()
    return options


RENDERERS: dict[str, Callable[[bool], dict[str, Any]]] = {"REINFORCEMENT_FINE_TUNING": _rft}
CHOOSERS: dict[str, Callable[[bool], None]] = {
    "REINFORCEMENT_FINE_TUNING": _choose_grader,
    "DISTILLATION": _choose_source,
}


def render_trial(trial: Any) -> None:
    """Test grader's answer: the reward per record, and the mean."""
    st.success(f"{trial.grader}: mean reward {trial.mean:.3f} over {len(trial.rows)} record(s). Nothing was paid for.")
    st.dataframe(
        pd.DataFrame(
            {
                "Line": [r.line for r in trial.rows],
                "Prompt": [r.prompt for r in trial.rows],
                "Answer graded": [r.answer for r in trial.rows],
                "Reward": [r.reward for r in trial.rows],
            }
        ),
        hide_index=True,
        width="stretch",
    )
