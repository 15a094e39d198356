"""Playground: up to three models side by side on one conversation. Thin: what may be called is
decided by services/inference/service.py (Action.TRY: GREEN models, and
the caller's own servable custom models not yet enabled; every one for an admin)."""

from __future__ import annotations

import streamlit as st

from services.domain.actions import Action
from services.domain.errors import ServiceError
from services.domain.models import ModelView
from services.inference.service import Answer, ChatMessage, ChatRequest
from ui import deps
from ui.components import LIGHT, LIGHT_MD, md_escape
from ui.cost_view import money
from ui.state import Key

MAX_MODELS = 3
services = deps.services_or_stop()
actor = deps.get_actor()
st.title("Playground")

views = {
    v.id: v
    for v in services.inference.invocable(services.catalog.list_models(), via=Action.TRY, actor=actor)
    if "TEXT" in v.record.output_modalities or not v.record.output_modalities
}
if not views:
    st.info(
        "No model can be tried yet: enable a base model on the Models page, or serve a custom model "
        "(throughput or on-demand deployment) to try it before enabling it."
    )
    st.stop()
if services.settings.backend == "local" and services.settings.local_inference_url is None:
    st.caption(
        ":material/science: **Simulated models** (local mode): a base model answers generically; a custom model "
        "answers with the completion of its most similar training record. Set `STUDIO_LOCAL_INFERENCE_URL` for "
        "real answers from a local server."
    )


def label(model_id: str) -> str:
    view: ModelView = views[model_id]
    return f"{LIGHT[view.status]} {view.record.label}"


if Key.PG_MODELS in st.session_state:  # e.g. "Compare with base model": only models that can be tried
    st.session_state[Key.PG_MODELS] = [m for m in st.session_state[Key.PG_MODELS] if m in views][:MAX_MODELS]
picked: list[str] = st.multiselect(
    "Models (up to three)", list(views), key=Key.PG_MODELS, format_func=label, max_selections=MAX_MODELS
)
with st.expander("System prompt and parameters", icon=":material/tune:"):
    system = st.text_area("System prompt", key=Key.PG_SYSTEM, max_chars=20_000)
    left, right = st.columns(2)
    max_tokens = int(left.number_input("Max tokens", 1, 8192, 512, key=Key.PG_MAX_TOKENS))
    temperature = float(right.slider("Temperature", 0.0, 1.0, 0.7, 0.05, key=Key.PG_TEMPERATURE))
if not picked:
    st.caption("Pick one or more models, then write a message below.")
    st.stop()

# one conversation: the user's turns, and each model's own answers to them
turns: list[str] = st.session_state.setdefault(Key.PG_TURNS, [])
answers: dict[str, list[str]] = st.session_state.setdefault(Key.PG_ANSWERS, {})
question = st.chat_input("Message the models", key=Key.PG_INPUT)  # (drawn at the bottom of the page)
if question:
    turns.append(question)
if st.button("New conversation", icon=":material/restart_alt:", key=Key.PG_RESET, disabled=not turns):
    turns.clear()
    answers.clear()

columns = st.columns(len(picked))
for model_id, column in zip(picked, columns, strict=True):
    mine = answers.setdefault(model_id, [])
    with column:
        view = views[model_id]
        st.markdown(f"**{md_escape(view.record.label)}** {LIGHT_MD[view.status]}", help=view.next_action)
        for i, turn in enumerate(turns):
            with st.chat_message("user"):
                st.markdown(md_escape(turn))
            if i < len(mine):
                with st.chat_message("assistant"):
                    st.markdown(md_escape(mine[i]))
        if len(mine) >= len(turns):
            continue
        history: list[ChatMessage] = []
        for i, turn in enumerate(turns[:-1]):
            history.append(ChatMessage(role="user", content=turn))
            history.append(ChatMessage(role="assistant", content=mine[i] if i < len(mine) else ""))
        request = ChatRequest(
            messages=(*history, ChatMessage(role="user", content=turns[-1])),
            system=system,
            max_tokens=max_tokens,
            temperature=temperature,
        )
        done: list[Answer] = []

        def pieces(model_id: str = model_id, request: ChatRequest = request, done: list[Answer] = done):  # type: ignore[no-untyped-def]
            for piece in services.inference.stream(model_id, request, actor, via=Action.TRY):
                if isinstance(piece, Answer):
                    done.append(piece)
                else:
                    yield md_escape(piece)  # provider text is shown as text

        with st.chat_message("assistant"):
            try:
                st.write_stream(pieces())
            except ServiceError as exc:
                st.error(md_escape(str(exc)))
                mine.append(f"(no answer: {exc})")
                continue
        if done:
            answer = done[0]
            mine.append(answer.output)
            cost = money(answer.cost) if answer.cost is not None else "cost unknown"
            simulated = " · simulated" if answer.simulated else ""
            st.caption(
                f"{answer.latency_ms:,.0f} ms · {answer.input_tokens:,} in / {answer.output_tokens:,} out tokens · "
                f"{cost}{simulated}"
            )
