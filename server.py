"""One server for the UI and the REST API: `streamlit run server.py` serves app.py at / and the
FastAPI app (api/app.py) under /api, with its OpenAPI document at /api/openapi.json. Every request,
UI or API, HTTP or WebSocket, passes the guard first (webserver/guard.py: hosts, cross-site requests,
body and upload sizes, framing)."""

import threading

import streamlit as st
from starlette.middleware import Middleware
from starlette.routing import Mount
from streamlit import config

from api.app import create_api
from services.settings import load_settings
from services.shared import shared_services
from webserver import serving
from webserver.guard import Guard
from webserver.uploads import clean_spool

# Refuse to serve what would be unsafe: the aws backend without sign-in (unless allowed on
# purpose), the local backend (everyone is the local admin) beyond this machine, header sign-in
# with an admin group but no groups header named on purpose.
_settings = load_settings()
_problems = _settings.startup_problems(config.get_option("server.address"))
if _problems:
    raise SystemExit("Model Studio will not start:\n" + "\n".join(f"  - {p}" for p in _problems))

# The browser's upload widget says the same limit the guard enforces; tracebacks never reach a page.
config.set_option("server.maxUploadSize", _settings.max_upload_mb)
config.set_option("client.showErrorDetails", "none")
clean_spool(_settings.data_dir)  # uploads of sessions that ended with the last process
serving.install()  # TCP_NODELAY on Streamlit's connections (webserver/serving.py): no 40 ms per kept-alive call
# Build the services now, not at the first request: the reconciler and the evaluation runner start
# with them, so a restarted server resumes in-flight work even if no one visits.
threading.Thread(target=shared_services, name="model-studio-start", daemon=True).start()

app = st.App(
    "app.py",
    routes=[Mount("/api", app=create_api(shared_services))],
    middleware=[
        Middleware(
            Guard,
            allowed_hosts=_settings.allowed_hosts,
            max_upload_bytes=_settings.max_upload_mb * 1024 * 1024,
            data_dir=_settings.data_dir,
        )
    ],
)
