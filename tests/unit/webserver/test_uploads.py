"""An upload is one object from the guard to the object store: spooled and measured in one pass, opened
with its digest, and read by the services no more than the checks and the upload need."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest

from services.domain.errors import InvalidRequest
from services.domain.uploads import Upload
from tests.support.factories import LLAMA, jsonl
from tests.support.fakes import ADMIN, World
from webserver.uploads import SPOOLED_TYPE, open_upload, spool, spool_dir, spooled_file


class Counted(io.BytesIO):
    """A stream that counts the bytes read from it."""

    read_bytes = 0

    def read(self, n: int | None = -1) -> bytes:
        data = super().read(n)
        self.read_bytes += len(data)
        return data

    def readline(self, n: int | None = -1) -> bytes:
        data = super().readline(n)
        self.read_bytes += len(data)
        return data

    def __next__(self) -> bytes:
        data = super().__next__()
        self.read_bytes += len(data)
        return data


class Widget:
    """What st.file_uploader hands a page on the real server: the guard's record."""

    def __init__(self, name: str, value: bytes) -> None:
        self.name, self.type, self._value = name, SPOOLED_TYPE, value

    def getvalue(self) -> bytes:
        return self._value


def test_the_guard_spools_and_measures_in_one_pass_and_the_page_opens_it_with_its_digest(tmp_path: Path) -> None:
    data = jsonl(300)
    value = spool(tmp_path, io.BytesIO(data))
    path, sha256 = spooled_file(tmp_path, value) or (None, None)
    assert path is not None and path.read_bytes() == data and sha256 == hashlib.sha256(data).hexdigest()
    assert [p.name for p in spool_dir(tmp_path).iterdir()] == [path.name]  # nothing half-written left
    upload = open_upload(Widget("train.jsonl", value), tmp_path)
    assert (upload.name, upload.size, upload.sha256) == ("train.jsonl", len(data), sha256)
    with upload.reading() as stream:
        assert stream.read() == data
    upload.stream.close()


@pytest.mark.parametrize("value", [b"../../etc/passwd", b"0" * 31, b"a" * 32 + b":" + b"z" * 64, b"a" * 32 + b"/x"])
def test_a_value_that_is_not_ours_names_no_file(tmp_path: Path, value: bytes) -> None:
    assert spooled_file(tmp_path, value) is None
    with pytest.raises(InvalidRequest, match="upload it again"):
        open_upload(Widget("train.jsonl", value), tmp_path)


def test_a_spooled_upload_is_not_read_again_to_know_the_request(w: World) -> None:
    """Create reads a measured upload twice (the check, the upload to S3) and the first lines once more
    for the warnings; one the guard did not measure is read once more, for its digest."""
    from services.customization import NewCustomModel

    data = jsonl(120)
    read = {}
    for name, sha256 in (("measured", hashlib.sha256(data).hexdigest()), ("unmeasured", None)):
        stream = Counted(data)
        w.customization.create(
            NewCustomModel(name=name, base_model_id=LLAMA), Upload("t.jsonl", stream, len(data), sha256), actor=ADMIN
        )
        read[name] = stream.read_bytes
    assert read["measured"] == 3 * len(data)  # check, warnings (120 lines: all of them), upload
    assert read["unmeasured"] == 4 * len(data)  # and the digest
