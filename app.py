"""Model Studio entrypoint: page config and navigation, nothing else."""

import streamlit as st

st.set_page_config(page_title="Model Studio", page_icon=":material/model_training:", layout="wide")
st.navigation(
    {
        "Catalog": [
            st.Page("pages/models.py", title="Models", icon=":material/view_list:", default=True),
        ],
        "Customization": [
            st.Page("pages/new_model.py", title="New Model", icon=":material/add_circle:"),
            st.Page("pages/custom_model.py", title="Custom Models", icon=":material/model_training:"),
            st.Page("pages/compare.py", title="Compare Runs", icon=":material/stacked_line_chart:"),
        ],
    }
).run()
