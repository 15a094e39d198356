"""Model Studio services: use cases and rules. Never imports streamlit."""
