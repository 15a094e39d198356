"""Uploads kept on disk: the server's guard (webserver/guard.py) writes each browser upload to
``<data_dir>/uploads/<token>.upload`` and the session's widget value holds only the token."""

from __future__ import annotations

import re
import time
from pathlib import Path

SPOOLED_TYPE = "application/x-model-studio-spooled"  # the widget value's type; its bytes are the token
STALE_UPLOAD_SECONDS = 12 * 3600


def spool_dir(data_dir: Path) -> Path:
    return data_dir / "uploads"


def spooled_path(data_dir: Path, token: str) -> Path | None:
    """The file behind a spooled upload's token, or None for anything that is not one of ours."""
    if not re.fullmatch(r"[0-9a-f]{32}", token):
        return None
    return spool_dir(data_dir) / f"{token}.upload"


def clean_spool(data_dir: Path, older_than: float = 0.0) -> int:
    """Remove spooled uploads (and half-written ones) older than ``older_than`` seconds."""
    folder = spool_dir(data_dir)
    if not folder.is_dir():
        return 0
    removed = 0
    cutoff = time.time() - older_than
    for path in folder.iterdir():
        try:
            if path.stat().st_mtime <= cutoff:
                path.unlink()
                removed += 1
        except FileNotFoundError:
            continue
    return removed
