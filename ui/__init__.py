"""Streamlit glue shared by pages: the services seam, session-state keys, display helpers."""
