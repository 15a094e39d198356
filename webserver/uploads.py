"""Uploads kept on disk, in one place: the server's guard (webserver/guard.py) hands each browser
upload to ``spool``, which writes it to ``<data_dir>/uploads/<token>.upload`` while measuring its
SHA-256; the session's widget value holds only the token and the digest, and ``open_upload`` turns
that value back into the ``Upload`` the services take (services/domain/uploads.py)."""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import time
from pathlib import Path
from typing import Any, BinaryIO

from services.domain.errors import InvalidRequest
from services.domain.uploads import CHUNK, Upload

SPOOLED_TYPE = "application/x-model-studio-spooled"  # the widget value's type; its bytes name the file
STALE_UPLOAD_SECONDS = 12 * 3600
VALUE = re.compile(r"(?P<token>[0-9a-f]{32})(?::(?P<sha256>[0-9a-f]{64}))?")


def spool_dir(data_dir: Path) -> Path:
    return data_dir / "uploads"


def spooled_path(data_dir: Path, token: str) -> Path | None:
    """The file behind a spooled upload's token, or None for anything that is not one of ours."""
    if not re.fullmatch(r"[0-9a-f]{32}", token):
        return None
    return spool_dir(data_dir) / f"{token}.upload"


def spool(data_dir: Path, source: BinaryIO) -> bytes:
    """Write ``source`` to the spool in one pass, measuring its SHA-256 on the way (written aside and
    renamed, so a half-written file is never found); the widget value that names it."""
    folder = spool_dir(data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    token = secrets.token_hex(16)
    final = spooled_path(data_dir, token)
    assert final is not None
    partial = folder / f".upload-{token}"
    sha = hashlib.sha256()
    try:
        with partial.open("wb") as out:
            source.seek(0)
            for chunk in iter(lambda: source.read(CHUNK), b""):
                sha.update(chunk)
                out.write(chunk)
        os.replace(partial, final)
    finally:
        partial.unlink(missing_ok=True)
    return f"{token}:{sha.hexdigest()}".encode()


def spooled_file(data_dir: Path, value: bytes) -> tuple[Path, str | None] | None:
    """The file a widget value names and its digest, or None for anything that is not one of ours."""
    match = VALUE.fullmatch(value.decode("ascii", "replace"))
    if match is None:
        return None
    path = spooled_path(data_dir, match["token"])
    return (path, match["sha256"]) if path is not None else None


def open_upload(uploaded: Any, data_dir: Path) -> Upload:
    """What st.file_uploader gave, as the services take it. On the real server the value names a
    spooled file (opened here, never held whole in memory); elsewhere (AppTest) it is the bytes."""
    if getattr(uploaded, "type", None) == SPOOLED_TYPE:
        found = spooled_file(data_dir, bytes(uploaded.getvalue()))
        if found is None or not found[0].is_file():
            raise InvalidRequest(f"{uploaded.name}: the upload is gone (the server restarted?); upload it again.")
        path, sha256 = found
        return Upload(name=uploaded.name, stream=path.open("rb"), size=path.stat().st_size, sha256=sha256)
    return Upload(name=uploaded.name, stream=uploaded, size=uploaded.size)


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
