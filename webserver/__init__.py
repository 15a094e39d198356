"""Server plumbing in front of both the app and the REST API: the guard every request passes first
(hosts, cross-site requests, body and upload sizes), the serving of Streamlit and FastAPI on one port,
and the spool where an uploaded file lands before a page or route reads it."""
