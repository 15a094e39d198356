"""Serving: endpoints (a throughput or an on-demand deployment callers keep while the model behind it changes)."""
