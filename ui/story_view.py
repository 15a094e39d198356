"""A job's story on one screen (the custom model's Status tab), as OpenAI's dashboard tells it: what
happened when (from the audit trail, written with each change), each epoch's losses, start, end and
duration, the job's ARN, and where its data and output are."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import streamlit as st

from services.customization.metrics import RunMetrics, epoch_losses
from services.domain.custom import CustomModel
from services.domain.records import AuditEvent
from ui.components import duration

WORDS = {  # an audit action as the story tells it (others: their name in words)
    "create": "Submitted: the data was checked and uploaded",
    "job-submitted": "Bedrock accepted the job: validating, processing the data, then training",
    "submit-unconfirmed": "Submitted, not yet confirmed by Bedrock",
    "submission-adopted": "Bedrock's job found after an interrupted submission",
    "create-rolled-back": "Submission rolled back",
    "adopt-external": "Found at Bedrock (made elsewhere)",
    "stop": "Asked to stop",
    "provision-throughput": "Throughput requested",
    "provision-throughput-refused": "Throughput refused by Bedrock",
    "throughput-created": "Throughput being created",
    "throughput-vanished": "Throughput gone at Bedrock",
    "remove-throughput": "Throughput removed",
    "deploy": "On-demand deployment requested",
    "deploy-refused": "On-demand deployment refused by Bedrock",
    "deployment-created": "On-demand deployment being created",
    "deployment-vanished": "On-demand deployment gone at Bedrock",
    "remove-deployment": "On-demand deployment removed",
    "enable": "Enabled",
    "disable": "Disabled",
    "set-idle-guard": "Idle guard set",
    "idle-warning": "Warned: throughput idle",
    "idle-guard": "Removed by the idle guard",
    "long-running-warning": "Warned: throughput running long",
}
CHANGES = {"Completed": "Training completed", "Failed": "Training failed", "Stopped": "Stopped"}


def event_words(event: AuditEvent, model: CustomModel) -> str:
    """What one event of the model's trail means, in words."""
    if event.action == "status-refreshed":
        after = (event.after or "").split(" · ")
        before = (event.before or "").split(" · ")
        if after[0] != before[0] and after[0] in CHANGES:
            said = CHANGES[after[0]]
            if after[0] == "Failed" and model.failure_message:
                said += f": {model.failure_message}"
            return said
        if len(after) > 1:
            return after[1].capitalize()  # "throughput InService"
        return f"Now {event.after}" if event.after else "Refreshed"
    return WORDS.get(event.action, event.action.replace("-", " ").capitalize())


def render_story(model: CustomModel, events: list[AuditEvent], run: RunMetrics, now: datetime) -> None:
    """``events``: the model's audit trail, newest first (as AuditService gives it)."""
    with st.expander("The job's story", icon=":material/timeline:", expanded=not model.job_status.in_flight):
        end = model.job_end_time
        took = ((end or now) - model.created_at).total_seconds()
        a, b, c = st.columns(3)
        a.markdown(f"**Started** {model.created_at:%Y-%m-%d %H:%M:%S} UTC")
        b.markdown(f"**Ended** {end:%Y-%m-%d %H:%M:%S} UTC" if end else "**Ended** not yet")
        c.markdown(f"**Duration** {duration(took)}" + ("" if end else " so far"))
        where = [("Job ARN", model.job_arn or "not yet given by Bedrock"), ("Training data", model.training_uri)]
        if model.validation_uri:
            where.append(("Validation data", model.validation_uri))
        where.append(("Output", model.output_uri))
        if model.custom_model_arn:
            where.append(("Custom model ARN", model.custom_model_arn))
        # in code spans, where markdown is not read (an ARN or S3 URI holds no backtick: Bedrock's patterns)
        st.markdown("  \n".join(f"**{name}**: `{value.replace('`', '')}`" for name, value in where))
        rows = [
            {"At": e.at.replace(tzinfo=None), "What happened": event_words(e, model), "By": e.actor_name}
            for e in reversed(events)  # the trail comes newest first; ties keep the order they were written in
        ]
        if rows:
            st.dataframe(
                pd.DataFrame(rows),
                hide_index=True,
                width="stretch",
                column_config={"At": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm:ss", help="UTC")},
            )
        epochs = epoch_losses(run)
        if epochs:
            st.markdown(
                "**Each epoch**: "
                + " · ".join(
                    f"{n}: training {train:.4f}" + (f", validation {val:.4f}" if val is not None else "")
                    for n, train, val in epochs
                )
            )
