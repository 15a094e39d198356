"""Object stores addressed with s3:// URIs: S3 through boto3, or a folder on disk."""

from __future__ import annotations

import io
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

from boto3.s3.transfer import TransferConfig
from botocore.exceptions import BotoCoreError, ClientError

from services.domain.errors import ObjectStoreError
from services.domain.s3uri import parse_s3_uri

COPY_CHUNK = 8 * 1024 * 1024
# Multipart above 16 MB, 16 MB parts, 4 threads: at most ~64 MB in flight whatever the file size.
TRANSFER = TransferConfig(multipart_threshold=16 * 1024 * 1024, multipart_chunksize=16 * 1024 * 1024, max_concurrency=4)


class _BodyReader(io.RawIOBase):
    """A botocore StreamingBody as a raw stream, so io.BufferedReader can read lines in C."""

    def __init__(self, body: Any) -> None:
        self._body = body

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._body.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self._body.close()
        super().close()


def _describe(exc: Exception, uri: str) -> ObjectStoreError:
    if isinstance(exc, ClientError):
        code = exc.response.get("Error", {}).get("Code", "Error")
        if code in ("AccessDenied", "403", "AllAccessDisabled"):
            return ObjectStoreError(f"{uri}: access denied (check the IAM permissions for this bucket).")
        if code in ("NoSuchBucket",):
            return ObjectStoreError(f"{uri}: the bucket does not exist.")
        if code in ("NoSuchKey", "404", "NotFound"):
            return ObjectStoreError(f"{uri}: no such object.")
        return ObjectStoreError(f"{uri}: S3 said {code}: {exc.response.get('Error', {}).get('Message', exc)}")
    return ObjectStoreError(f"{uri}: S3 could not be reached ({exc}).")


class S3ObjectStore:
    def __init__(self, client: Any) -> None:
        self._s3 = client

    def _head(self, uri: str) -> dict[str, Any] | None:
        """HeadObject, or None when the object does not exist."""
        bucket, key = parse_s3_uri(uri)
        try:
            return dict(self._s3.head_object(Bucket=bucket, Key=key))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return None
            raise _describe(exc, uri) from exc
        except BotoCoreError as exc:
            raise _describe(exc, uri) from exc

    def size(self, uri: str) -> int | None:
        head = self._head(uri)
        return None if head is None else int(head["ContentLength"])

    def fingerprint(self, uri: str) -> str | None:
        head = self._head(uri)
        if head is None:
            return None
        return f"{head.get('ETag', '')}/{head.get('VersionId', '')}/{head['ContentLength']}"

    def open(self, uri: str) -> BinaryIO:
        bucket, key = parse_s3_uri(uri)
        try:
            body = self._s3.get_object(Bucket=bucket, Key=key)["Body"]
        except (ClientError, BotoCoreError) as exc:
            raise _describe(exc, uri) from exc
        return io.BufferedReader(_BodyReader(body), buffer_size=COPY_CHUNK)

    def upload(self, source: BinaryIO, uri: str, *, progress: Callable[[int], None] | None = None) -> None:
        bucket, key = parse_s3_uri(uri)
        sent = 0

        def callback(n: int) -> None:
            nonlocal sent
            sent += n
            if progress:
                progress(sent)

        try:
            self._s3.upload_fileobj(source, bucket, key, Config=TRANSFER, Callback=callback)
        except (ClientError, BotoCoreError) as exc:
            raise _describe(exc, uri) from exc
        except Exception as exc:  # boto3's transfer manager wraps errors in its own types
            raise ObjectStoreError(f"{uri}: upload failed ({exc}).") from exc

    def put_bytes(self, uri: str, data: bytes) -> None:
        bucket, key = parse_s3_uri(uri)
        try:
            self._s3.put_object(Bucket=bucket, Key=key, Body=data)
        except (ClientError, BotoCoreError) as exc:
            raise _describe(exc, uri) from exc

    def list(self, prefix_uri: str) -> list[tuple[str, int]]:
        bucket, prefix = parse_s3_uri(prefix_uri)
        out: list[tuple[str, int]] = []
        try:
            for page in self._s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
                out.extend((f"s3://{bucket}/{o['Key']}", int(o["Size"])) for o in page.get("Contents", []))
        except (ClientError, BotoCoreError) as exc:
            raise _describe(exc, prefix_uri) from exc
        return out


STALE_UPLOAD_SECONDS = 60.0  # a live upload writes every few milliseconds


class LocalObjectStore:
    """The local backend's S3: ``s3://bucket/key`` lives at ``<root>/s3/bucket/key``."""

    def __init__(self, root: Path) -> None:
        self._root = root / "s3"

    def _path(self, uri: str) -> Path:
        bucket, key = parse_s3_uri(uri)
        path = (self._root / bucket / key).resolve()
        if not path.is_relative_to(self._root.resolve()):
            raise ObjectStoreError(f"{uri}: not inside the local object store.")
        return path

    def size(self, uri: str) -> int | None:
        path = self._path(uri)
        return path.stat().st_size if path.is_file() else None

    def fingerprint(self, uri: str) -> str | None:
        path = self._path(uri)
        if not path.is_file():
            return None
        stat = path.stat()
        return f"{stat.st_size}/{stat.st_mtime_ns}/{stat.st_ino}"

    def open(self, uri: str) -> BinaryIO:
        path = self._path(uri)
        if not path.is_file():
            raise ObjectStoreError(f"{uri}: no such object.")
        return path.open("rb", buffering=COPY_CHUNK)

    def upload(self, source: BinaryIO, uri: str, *, progress: Callable[[int], None] | None = None) -> None:
        path = self._path(uri)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        sent = 0
        try:
            with os.fdopen(fd, "wb") as out:
                while chunk := source.read(COPY_CHUNK):
                    out.write(chunk)
                    sent += len(chunk)
                    if progress:
                        progress(sent)
            os.replace(tmp, path)  # readers never see half a file
        except OSError as exc:
            Path(tmp).unlink(missing_ok=True)
            raise ObjectStoreError(f"{uri}: could not write ({exc}).") from exc

    def put_bytes(self, uri: str, data: bytes) -> None:
        self.upload(io.BytesIO(data), uri)

    def clean_stale_uploads(self, older_than: float = STALE_UPLOAD_SECONDS) -> int:
        """Remove half-written ``.upload-*`` files that no process writes any more (one killed
        mid-upload leaves its file behind; a live upload touches its file every few milliseconds)."""
        if not self._root.is_dir():
            return 0
        cutoff = time.time() - older_than
        removed = 0
        for path in self._root.rglob(".upload-*"):
            try:
                if path.is_file() and path.stat().st_mtime < cutoff:
                    path.unlink()
                    removed += 1
            except FileNotFoundError:
                continue
        return removed

    def list(self, prefix_uri: str) -> list[tuple[str, int]]:
        bucket, prefix = parse_s3_uri(prefix_uri)
        base = self._root / bucket
        if not base.is_dir():
            return []
        out = []
        for path in sorted(base.rglob("*")):
            key = path.relative_to(base).as_posix()
            if path.is_file() and key.startswith(prefix) and not path.name.startswith(".upload-"):
                out.append((f"s3://{bucket}/{key}", path.stat().st_size))
        return out
