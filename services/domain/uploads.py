"""A file a person uploaded, as one object from the server's guard to the object store.

The guard (webserver/guard.py) spools each browser upload to disk and measures its SHA-256 as the bytes
arrive; the pages open it as an ``Upload`` carrying that digest, so telling one request from another
never reads the file again. The services read it through ``reading()`` only: the data check (one
pass, and a light second pass of the first lines for the warnings), then the upload to S3 (one pass).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import BinaryIO

CHUNK = 8 * 1024 * 1024


@dataclass
class Upload:
    """An uploaded file: its name, a seekable stream of its bytes, its size, and its SHA-256 (known
    when the guard measured it; otherwise measured once, on first ask)."""

    name: str
    stream: BinaryIO
    size: int
    sha256: str | None = field(default=None)

    @contextmanager
    def reading(self) -> Iterator[BinaryIO]:
        """The bytes from the start; the stream is back at the start afterwards, whatever happened."""
        self.stream.seek(0)
        try:
            yield self.stream
        finally:
            self.stream.seek(0)

    def digest(self) -> str:
        """The SHA-256 of the bytes, hex: the guard's measure, or one pass now (kept)."""
        if self.sha256 is None:
            sha = hashlib.sha256()
            with self.reading() as stream:
                for chunk in iter(lambda: stream.read(CHUNK), b""):
                    sha.update(chunk)
            self.sha256 = sha.hexdigest()
        return self.sha256
