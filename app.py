"""Model Studio entrypoint: page config and navigation, nothing else.

The page scripts live in views/, not pages/: while a process has not yet run st.navigation,
Streamlit treats a folder named pages/ next to the entrypoint as a legacy multipage app, so
the first visit after a restart ran a page file alone (no router, no layout, the wrong menu)
or showed "Page not found". Every page also has an explicit url_path.
"""

from pathlib import Path
from typing import Any

import streamlit as st

from ui import deps, dialogs

# the favicon is a file of ours: a :material: icon is fetched from the internet, which fails offline
st.set_page_config(
    page_title="Model Studio", page_icon=str(Path(__file__).parent / "ui" / "assets" / "favicon.png"), layout="wide"
)
st.session_state.pop(dialogs.DONE, None)  # a full run: no dialog is waiting to close
deps.signed_in()  # a sign-in page, or who is signed in, in the sidebar
MODELS = st.Page("views/models.py", title="Models", icon=":material/view_list:", url_path="home", default=True)


def _catalog_alias() -> None:
    """/catalog, where links to the Models page point (the default page itself is served at /)."""
    st.switch_page(MODELS)


COSTS = st.Page("views/costs.py", title="Costs", icon=":material/payments:", url_path="costs")
ACTIVITY = st.Page("views/activity.py", title="Activity", icon=":material/history:", url_path="activity")
ESTIMATOR = st.Page(
    "views/estimator.py", title="Cost Estimator", icon=":material/calculate:", url_path="cost-estimator"
)


def _alias(page: Any, old_path: str) -> Any:
    """An address a page had before (bookmarks keep working): it opens the page under its own."""
    return st.Page(lambda: st.switch_page(page), title=page.title, url_path=old_path, visibility="hidden")


st.navigation(
    {
        "Catalog": [
            MODELS,
            st.Page(_catalog_alias, title="Models", url_path="catalog", visibility="hidden"),
        ],
        "Customization": [
            st.Page("views/new_model.py", title="New Model", icon=":material/add_circle:", url_path="new-model"),
            st.Page("views/import_model.py", title="Import Model", icon=":material/upload:", url_path="import-model"),
            st.Page(
                "views/custom_model.py",
                title="Custom Models",
                icon=":material/model_training:",
                url_path="custom-models",
            ),
            st.Page(
                "views/compare.py", title="Compare Runs", icon=":material/stacked_line_chart:", url_path="compare-runs"
            ),
            st.Page("views/endpoints.py", title="Endpoints", icon=":material/hub:", url_path="endpoints"),
            st.Page("views/chat.py", title="Playground", icon=":material/forum:", url_path="playground"),
            st.Page("views/evaluate.py", title="Evaluations", icon=":material/rule:", url_path="evaluations"),
        ],
        "Costs": [
            ESTIMATOR,
            COSTS,
            _alias(ESTIMATOR, "estimate"),
            _alias(COSTS, "spend"),
        ],
        "Audit": [
            ACTIVITY,
            _alias(ACTIVITY, "audit-trail"),
            st.Page("views/notifications.py", title="Notices", icon=":material/notifications:", url_path="notices"),
        ],
    }
).run()
