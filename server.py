"""One server for the UI and the REST API: `streamlit run server.py` serves app.py at / and the
FastAPI app (api/app.py) under /api, with its OpenAPI document at /api/openapi.json."""

import streamlit as st
from starlette.routing import Mount
from streamlit import config

from api.app import create_api
from services.bootstrap import shared_services
from services.settings import load_settings

# Refuse to serve what would be unsafe: the aws backend without sign-in (unless allowed on
# purpose), or the local backend (everyone is the local admin) beyond this machine.
_problems = load_settings().startup_problems(config.get_option("server.address"))
if _problems:
    raise SystemExit("Model Studio will not start:\n" + "\n".join(f"  - {p}" for p in _problems))

app = st.App("app.py", routes=[Mount("/api", app=create_api(shared_services))])
