"""One server for the UI and the REST API: `streamlit run server.py` serves app.py at / and the
FastAPI app (api/app.py) under /api, with its OpenAPI document at /api/openapi.json."""

import streamlit as st
from starlette.routing import Mount

from api.app import create_api
from services.bootstrap import shared_services

app = st.App("app.py", routes=[Mount("/api", app=create_api(shared_services))])
