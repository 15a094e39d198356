"""The process's one Services, shared by the UI and the REST API: built and started on first use,
stopped by tests (a settings change otherwise needs a restart)."""

from __future__ import annotations

import threading

from services.bootstrap import Services, build_services

_shared: Services | None = None
_shared_lock = threading.Lock()


def shared_services(*, background: bool = True) -> Services:
    """The process's one Services, shared by the UI and the REST API (built and started on first use). An
    API worker (api_server.py) builds them with ``background=False``: Streamlit's process fills an empty
    catalog and runs the background loops; a worker only answers requests."""
    global _shared
    with _shared_lock:
        if _shared is None:
            import atexit

            from services.settings import load_settings

            _shared = build_services(load_settings())
            if background:
                _shared.start()
            atexit.register(_shared.inference.flush)  # the call counts still in memory
        return _shared


def reset_shared_services() -> None:
    """Forget the shared instance (tests; a settings change needs a restart otherwise)."""
    global _shared
    with _shared_lock:
        if _shared is not None:
            _shared.stop()
        _shared = None
