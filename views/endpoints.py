"""Endpoints: each throughput and on-demand deployment, the model behind it, its calls, and promote / roll back
behind the same ARN with a confirmation that names both models (an evaluation of the candidate suggested first).
Display only: what may be promoted is decided by services/domain/endpoints.py and the service."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from services.domain.custom import CustomModel
from services.domain.endpoints import Endpoint
from ui import deps
from ui.acting import act_and_close, show_flashes
from ui.components import md_escape
from ui.dialogs import close_if_done
from ui.state import Key

services = deps.services_or_stop()
endpoints = services.endpoints

st.title("Endpoints")
st.caption(
    "A throughput or an on-demand deployment is an endpoint: callers keep its ARN while the custom model behind it "
    "changes. Promote a new run of the same base model behind it, and roll back if it is worse."
)
show_flashes()


@st.dialog("Promote?")
def confirm_promote(endpoint: Endpoint, current: CustomModel, candidate: CustomModel) -> None:
    close_if_done()
    st.write(
        f"{endpoint.name} will serve **{md_escape(candidate.name)}** instead of **{md_escape(current.name)}**, behind "
        f"the same ARN. {md_escape(current.name)} loses this way to serve (and is disabled unless another way still "
        f"serves it); {md_escape(candidate.name)} must be enabled by an admin before Model Studio's gateway calls it."
    )
    st.button(
        f"Promote {candidate.name}",
        type="primary",
        key=Key.EP_CONFIRM_PROMOTE,
        on_click=act_and_close,
        args=(f"Promote {candidate.name}", endpoints.promote, endpoint.id, candidate.id),
    )


@st.dialog("Roll back?")
def confirm_rollback(endpoint: Endpoint, current: CustomModel, previous: str) -> None:
    close_if_done()
    st.write(
        f"{endpoint.name} will serve **{md_escape(previous)}** again instead of **{md_escape(current.name)}**, "
        "behind the same ARN."
    )
    st.button(
        "Roll back", type="primary", key=Key.EP_CONFIRM_ROLLBACK, on_click=act_and_close,
        args=(f"Roll back {endpoint.name}", endpoints.rollback, endpoint.id),
    )  # fmt: skip


listed = endpoints.endpoints()
if not listed:
    st.info(
        "No endpoints yet: deploy a completed custom model on demand or provision throughput for it on the Custom "
        "Models page, and it is listed here.",
        icon=":material/hub:",
    )
    st.stop()

calls = {m.id: int(services.inference.usage(m.id).total("calls")) for _, m in listed if m is not None}
st.dataframe(
    pd.DataFrame(
        [
            {
                "Name": e.name,
                "Kind": e.kind.label,
                "Region": e.region,
                "Serves": m.name if m else "—",
                "Status": e.status(m) or "—",
                "Calls, 30 days": calls.get(m.id, 0) if m else 0,
                "Changes": len(e.history),
            }
            for e, m in listed
        ]
    ),
    hide_index=True,
    width="stretch",
)
by_id = {e.id: (e, m) for e, m in listed}
picked = st.selectbox("Endpoint", list(by_id), format_func=lambda i: by_id[i][0].name, key=Key.EP_PICK)
endpoint, current = by_id[picked]
st.code(endpoint.arn or "(being created)", language=None)
if current is None:
    st.warning("This endpoint serves no model now.", icon=":material/warning:")
else:
    st.markdown(f"Serves **{md_escape(current.name)}**, a custom model of {md_escape(current.base_model_name)}.")
    candidates = endpoints.candidates(endpoint.id)
    left, right = st.columns([3, 1], vertical_alignment="bottom")
    if candidates:
        names = {m.id: m for m in candidates}
        chosen = left.selectbox(
            "Promote", list(names), format_func=lambda i: names[i].name, key=Key.EP_CANDIDATE,
            help="Completed custom models of the same base model in the same region that can take this endpoint.",
        )  # fmt: skip
        if right.button("Promote…", key=Key.EP_PROMOTE, type="primary", width="stretch"):
            confirm_promote(endpoint, current, names[chosen])
        if st.button(
            f"Evaluate {names[chosen].name} against {current.name} first",
            key=Key.EP_EVALUATE,
            icon=":material/rule:",
            help="The candidate and the model served now answer the same records; see which is better.",
        ):
            st.session_state[Key.EV_MODEL] = chosen
            st.session_state[Key.EV_AGAINST] = current.id
            st.switch_page("views/evaluate.py", query_params={"model": chosen})
    else:
        left.caption("No other completed custom model of this base model and region can take this endpoint now.")
    previous = endpoint.previous_model(current.id)
    if previous is not None and st.button("Roll back…", key=Key.EP_ROLLBACK, icon=":material/undo:"):
        name = next((e.model_name for e in reversed(endpoint.history) if e.model_id == previous), previous)
        confirm_rollback(endpoint, current, name)
st.markdown("**History**")
history = [
    {"When": e.at.replace(tzinfo=None), "What": e.action, "Model": e.model_name, "By": e.actor_id, "Detail": e.detail}
    for e in reversed(endpoint.history)
]
st.dataframe(pd.DataFrame(history), hide_index=True, width="stretch")
