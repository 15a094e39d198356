"""Baseline for bench/catalog.py: the Models table rebuilt from the database on every run
(no revision-keyed cache). Not part of the app."""

import streamlit as st

from services.catalog.service import filter_views
from services.domain.models import ModelFilter
from ui import deps
from ui.components import MODEL_COLUMNS, models_frame

catalog = deps.get_services().catalog
search = st.text_input("Search", key="models_search")
views = catalog.list_models()
shown = filter_views(views, ModelFilter(search=search))
st.dataframe(models_frame(shown), column_config=MODEL_COLUMNS, hide_index=True, height=420)
