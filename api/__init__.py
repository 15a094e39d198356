"""The REST API (seed contract), served under /api by the same process as the UI."""
