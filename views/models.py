"""Models: every base and custom model in one filterable table, with status lights."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence

import pandas as pd
import streamlit as st

from services.catalog.service import filter_views
from services.domain.actions import Action, decide, subject
from services.domain.errors import ServiceError
from services.domain.models import ModelFilter, ModelType, ModelView, Provider, Status, SyncOutcome
from services.domain.traits import TRAIT_ORDER
from ui import deps
from ui.catalog_cache import CatalogCache
from ui.components import (
    LIGHT,
    LIGHT_MD,
    MODEL_COLUMNS,
    coloured,
    for_whom,
    md_escape,
    rows_height,
    status_cell,
    sync_line,
)
from ui.dialogs import close_if_done, then_close
from ui.state import Key, models_table_key

services = deps.services_or_stop()
catalog = services.catalog
actor = deps.get_actor()
ADMIN_ONLY = None if actor.is_admin else "Admins only."
st.session_state.setdefault(Key.FLASH, [])


@st.cache_resource(show_spinner=False)
def catalog_cache() -> CatalogCache:
    """One incremental copy of the catalog per server process, shared by every session."""
    return CatalogCache()


def flash(kind: str, text: str) -> None:
    """A message for the next run, shown as plain text (names come from users and providers)."""
    st.session_state[Key.FLASH].append((kind, md_escape(text)))


# ---- actions (callbacks run before the next script run) ------------------------------------
def do_sync() -> None:
    report = catalog.sync(actor=actor.for_request())
    for note in report.notes:
        flash("info", note)
    for run in report.runs:
        if run.outcome is SyncOutcome.OK:
            flash("success", run.message)
        elif run.outcome is SyncOutcome.SKIPPED:
            flash("info", f"{run.provider.value} skipped: {run.message}")
        else:
            flash("error", f"Sync failed for {run.message}")


def do_set_one(model_id: str, enabled: bool) -> None:
    st.session_state[Key.DETAILS_SEEN] = model_id  # the details dialog stays closed: the page says how it went
    try:
        request_actor = actor.for_request()
        view = (
            catalog.enable(model_id, actor=request_actor) if enabled else catalog.disable(model_id, actor=request_actor)
        )
    except ServiceError as exc:
        flash("error", str(exc))
        return
    verb = "Enabled" if enabled else "Disabled"
    flash("success", f"{verb} {view.record.label}: now {view.status.value}.")


def do_bulk(model_ids: Sequence[str], enabled: bool) -> None:
    try:
        result = catalog.bulk_set_enabled(list(model_ids), enabled=enabled, actor=actor.for_request())
    except ServiceError as exc:
        flash("error", str(exc))
        return
    verb = "Enabled" if enabled else "Disabled"
    flash("success" if result.changed else "warning", f"{verb} {len(result.changed)} model(s).")
    if result.skipped:
        shown = "\n".join(f"- {md_escape(reason)}" for _, reason in result.skipped[:10])
        more = f"\n- … and {len(result.skipped) - 10} more" if len(result.skipped) > 10 else ""
        st.session_state[Key.FLASH].append(("warning", f"Skipped {len(result.skipped)}:\n{shown}{more}"))


@st.dialog("Confirm bulk change")
def confirm_bulk_dialog(model_ids: Sequence[str], enabled: bool, shown: int) -> None:
    close_if_done()
    verb = "Enable" if enabled else "Disable"
    st.write(
        f"{verb} {len(model_ids)} of the {shown} models shown? "
        f"The other {shown - len(model_ids)} are not "
        f"{'YELLOW' if enabled else 'GREEN'} and are left as they are."
    )
    st.button(
        f"{verb} {len(model_ids)} models",
        type="primary",
        key=Key.CONFIRM_BULK,
        on_click=then_close(do_bulk),
        args=(list(model_ids), enabled),
    )


# ---- header ---------------------------------------------------------------------------------
title, buttons = st.columns([4, 2], vertical_alignment="bottom")
title.title("Models")
sync_col, new_col = buttons.columns(2)
sync_col.button(
    "Sync Models",
    icon=":material/sync:",
    key=Key.SYNC,
    on_click=do_sync,
    width="stretch",
    help=ADMIN_ONLY or "Pull model metadata from Amazon Bedrock and OpenAI.",
    disabled=not actor.is_admin,
)
if new_col.button("New Model", icon=":material/add:", type="primary", key=Key.NEW_MODEL, width="stretch"):
    st.switch_page("views/new_model.py")

runs = catalog.last_sync_runs()
if runs:
    st.caption("  \n".join(sync_line(runs[p]) for p in Provider if p in runs))
else:
    st.caption("Never synced: press **Sync Models**.")

for kind, text in st.session_state[Key.FLASH]:
    getattr(st, kind)(text)  # one message per result, on the page until the next action (no toast over the buttons)
st.session_state[Key.FLASH] = []

# ---- filters --------------------------------------------------------------------------------
snapshot = catalog_cache().get(catalog)
revision, views, frame = snapshot.revision, snapshot.views, snapshot.frame

# two rows, so the chosen values show in full ("Amazon Bedrock", "Custom") instead of truncated chips
f1, f2, f3 = st.columns([3, 2, 2])
search = f1.text_input("Search", key=Key.SEARCH, placeholder="Name or model id")
statuses = f2.multiselect("Status", list(Status), key=Key.STATUSES, format_func=lambda s: f"{LIGHT[s]} {s.value}")
providers = f3.multiselect("Provider", list(Provider), key=Key.PROVIDERS, format_func=lambda p: p.value)
f4, f5, f6 = st.columns([2, 2, 3])
types = f4.multiselect("Type", list(ModelType), key=Key.TYPES, format_func=lambda t: t.value)
vendors = f5.multiselect("Vendor", sorted({v.record.vendor for v in views}), key=Key.VENDORS)
present_traits = {t for v in views for t in v.traits}
traits = f6.multiselect("Traits (all of)", [t for t in TRAIT_ORDER if t in present_traits], key=Key.TRAITS)
flt = ModelFilter(
    search=search,
    providers=frozenset(providers),
    vendors=frozenset(vendors),
    model_types=frozenset(types),
    statuses=frozenset(statuses),
    traits=frozenset(traits),
)
shown = filter_views(views, flt) if flt != ModelFilter() else list(views)

# ---- table ----------------------------------------------------------------------------------
counts = {s: sum(1 for v in shown if v.status is s) for s in Status}
st.caption(
    f"{len(shown)} of {len(views)} models · " + " · ".join(f"{LIGHT_MD[s]} {counts[s]} {s.value}" for s in Status)
)
if not views:
    st.info("No models yet. Press **Sync Models** to pull them from the providers.")
event = st.dataframe(
    coloured(frame.loc[[v.id for v in shown]] if len(shown) != len(views) else frame),
    column_config=MODEL_COLUMNS,
    hide_index=True,
    key=models_table_key(revision, flt),
    on_select="rerun",
    selection_mode="multi-row",
    height=rows_height(min(len(shown), 25)),  # the rows there are, up to 25: no empty rows
)
selected = [shown[i] for i in event.selection.rows if 0 <= i < len(shown)]


# ---- bulk actions ---------------------------------------------------------------------------
def may(action: Action, views: Sequence[ModelView]) -> list[str]:
    """The ids of ``views`` the rules let this actor ``action`` now."""
    return [v.id for v in views if decide(action, subject(v), actor)]


enable_ids, disable_ids = may(Action.ENABLE, shown), may(Action.DISABLE, shown)
enable_selected, disable_selected = may(Action.ENABLE, selected), may(Action.DISABLE, selected)
b1, b2, b3, b4 = st.columns(4)
b1.button(
    f"Enable selected ({len(enable_selected)})",
    key=Key.ENABLE_SELECTED,
    disabled=not enable_selected,
    on_click=do_bulk,
    args=([v.id for v in selected], True),
    width="stretch",
)
b2.button(
    f"Disable selected ({len(disable_selected)})",
    key=Key.DISABLE_SELECTED,
    disabled=not disable_selected,
    on_click=do_bulk,
    args=([v.id for v in selected], False),
    width="stretch",
)
if b3.button(
    f"Enable all shown ({len(enable_ids)})",
    key=Key.ENABLE_SHOWN,
    disabled=not enable_ids,
    width="stretch",
):
    confirm_bulk_dialog(enable_ids, True, len(shown))
elif b4.button(
    f"Disable all shown ({len(disable_ids)})",
    key=Key.DISABLE_SHOWN,
    disabled=not disable_ids,
    width="stretch",
):
    confirm_bulk_dialog(disable_ids, False, len(shown))


# ---- details --------------------------------------------------------------------------------
def render_details(view: ModelView) -> None:
    rec = view.record
    head, actions = st.container(), st.container()
    head.subheader(md_escape(rec.label), anchor=False)
    said = status_cell(view).partition(" · ")[2]
    head.markdown(
        f"{LIGHT_MD[view.status]} **{view.status.value}**" + (f" · {md_escape(said)}" if said else ""),
        help=view.next_action,
    )
    a1, a2 = actions.columns(2)
    can_enable = decide(Action.ENABLE, subject(view), actor)
    can_disable = decide(Action.DISABLE, subject(view), actor)
    a1.button(
        "Enable",
        key=Key.ENABLE_ONE,
        type="primary",
        disabled=not can_enable,
        help=md_escape(can_enable.reason) or None,
        on_click=then_close(do_set_one),
        args=(view.id, True),
        width="stretch",
    )
    a2.button(
        "Disable",
        key=Key.DISABLE_ONE,
        disabled=not can_disable,
        help=md_escape(can_disable.reason) or None,
        on_click=then_close(do_set_one),
        args=(view.id, False),
        width="stretch",
    )
    st.caption(f"Next action: {md_escape(for_whom(view.next_action, actor))}")
    if rec.model_type is ModelType.CUSTOM:
        st.page_link(
            "views/custom_model.py",
            label="Open the custom model: job, throughput, configuration",
            icon=":material/open_in_new:",
            query_params={"model": rec.id},
        )
    arn = rec.arn
    if rec.model_type is ModelType.CUSTOM:  # its ARN lives with the custom model (the job's result)
        with contextlib.suppress(ServiceError):
            arn = services.customization.get(rec.id).custom_model_arn or arn
    facts = {
        "Model ID": rec.model_id,
        "Our id": rec.id,
        "Type": rec.model_type.value,
        "Provider": rec.provider.value,
        "Vendor": rec.vendor,
        "ARN": arn or "—",
        "Regions": ", ".join(rec.regions) or "—",
        "Input modalities": ", ".join(rec.input_modalities) or "unknown",
        "Output modalities": ", ".join(rec.output_modalities) or "unknown",
        "Customizations supported": ", ".join(rec.customizations) or "none",
        "Inference types": ", ".join(rec.inference_types) or "none listed",
        "Streaming": {True: "yes", False: "no", None: "unknown"}[rec.streaming],
        "Lifecycle": rec.lifecycle.value,
        "Traits": view.traits_label or "—",
        "Enabled": "yes" if rec.enabled else "no",
        "Available at provider": "yes"
        if rec.available
        else f"no (gone since {rec.unavailable_since:%Y-%m-%d %H:%M} UTC)"
        if rec.unavailable_since
        else "no",
        "First seen": f"{rec.first_seen:%Y-%m-%d %H:%M} UTC",
        "Last changed": f"{rec.updated_at:%Y-%m-%d %H:%M} UTC",
    }
    st.dataframe(
        pd.DataFrame({"Field": list(facts), "Value": list(facts.values())}),
        hide_index=True,
        width="stretch",
        height=rows_height(len(facts)),  # every field, no inner scrolling
    )


def _seen(model_id: str) -> None:
    st.session_state[Key.DETAILS_SEEN] = model_id  # closed: not opened again until another row is chosen


@st.dialog("Model details", width="large", on_dismiss=lambda: _seen(selected[0].id))
def details_dialog(view: ModelView) -> None:
    """Where the eye is, whatever is scrolled (the sidebar's bottom was below the fold at 1280x720)."""
    close_if_done()
    render_details(view)


if len(selected) == 1:
    if st.session_state.get(Key.DETAILS_SEEN) != selected[0].id:
        details_dialog(selected[0])
    st.caption("One model selected: its details open over the page (close them, then select it again to reopen).")
elif len(selected) > 1:
    st.caption(f"{len(selected)} models selected. Select exactly one row to see its details.")
else:
    st.session_state.pop(Key.DETAILS_SEEN, None)
    st.caption("Select a row to see its details and act on it.")
