"""The REST API in processes of its own, beside Streamlit's: the same app (api/app.py) under /api, behind the
same guard (webserver/guard.py), on uvicorn's workers sharing one port. `make run` starts it next to the UI
(webserver/launch.py); a team that outgrows one machine runs it on several, on one PostgreSQL, behind any load
balancer (docs/scaling.md).

Streamlit's process runs the UI and the background work (the reconciler, evaluations, notices, and filling an
empty catalog); these workers only answer requests, so a page being drawn never holds up a model call, and
the calls of a busy platform use every core. What each call needs is read from memory kept fresh across
processes (services/domain/generations.py): a model disabled through any process is refused by the next call
here.

Run: python api_server.py --address 127.0.0.1 --port 8502 --workers 2
"""

from __future__ import annotations

import argparse
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Mount

from api.app import create_api
from services.bootstrap import Services
from services.settings import load_settings
from services.shared import shared_services
from webserver import serving
from webserver.guard import Guard


def _services() -> Services:
    return shared_services(background=False)


@asynccontextmanager
async def _lifespan(_: Any) -> AsyncIterator[None]:
    _services()  # built before the first request, not during it
    yield
    _services().inference.flush()  # the call counts still in memory (a worker's exit skips atexit)


def create_app() -> Starlette:
    """One worker's app (uvicorn calls this in each worker process)."""
    serving.install()  # TCP_NODELAY on every connection (webserver/serving.py)
    settings = load_settings()
    guard = Middleware(
        Guard,
        allowed_hosts=settings.allowed_hosts,
        max_upload_bytes=settings.max_upload_mb * 1024 * 1024,
        data_dir=settings.data_dir,
    )
    return Starlette(routes=[Mount("/api", app=create_api(_services))], middleware=[guard], lifespan=_lifespan)


def main() -> int:
    import uvicorn

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--address", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8502)
    parser.add_argument("--workers", type=int, default=None, help="default: STUDIO_API_WORKERS")
    args = parser.parse_args()
    settings = load_settings()
    problems = settings.startup_problems(args.address)
    if problems:
        print("Model Studio's API will not start:\n" + "\n".join(f"  - {p}" for p in problems))
        return 2
    uvicorn.run(
        "api_server:create_app",
        factory=True,
        host=args.address,
        port=args.port,
        workers=max(1, args.workers if args.workers is not None else settings.api_workers),
        access_log=False,
        log_level="warning",
        timeout_graceful_shutdown=10,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
