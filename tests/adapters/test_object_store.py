"""S3ObjectStore against moto; LocalObjectStore on disk; the same behaviour from both."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from services.adapters.object_store import LocalObjectStore, S3ObjectStore
from services.domain.errors import InvalidRequest, ObjectStoreError


@pytest.fixture(params=["s3", "local"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[object]:
    if request.param == "local":
        yield LocalObjectStore(tmp_path)
        return
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket="studio-bucket")
        yield S3ObjectStore(client)


def test_upload_reads_back_line_by_line_with_progress(store) -> None:
    data = b"".join(b'{"prompt":"q%d","completion":"a"}\n' % i for i in range(200_000))  # ~6 MB
    seen: list[int] = []
    store.upload(io.BytesIO(data), "s3://studio-bucket/runs/train.jsonl", progress=seen.append)
    assert seen[-1] == len(data) and seen == sorted(seen)
    assert store.size("s3://studio-bucket/runs/train.jsonl") == len(data)
    with store.open("s3://studio-bucket/runs/train.jsonl") as stream:
        lines = list(stream)
    assert len(lines) == 200_000 and lines[-1] == b'{"prompt":"q199999","completion":"a"}\n'
    assert store.list("s3://studio-bucket/runs/") == [("s3://studio-bucket/runs/train.jsonl", len(data))]


def test_missing_objects_and_bad_uris(store) -> None:
    assert store.size("s3://studio-bucket/none.jsonl") is None
    with pytest.raises(ObjectStoreError, match="no such object"):
        store.open("s3://studio-bucket/none.jsonl")
    with pytest.raises(InvalidRequest, match="not an s3:// URI"):
        store.size("/etc/passwd")
    assert store.list("s3://studio-bucket/nothing/") == []


def test_a_large_upload_goes_multipart_in_bounded_memory() -> None:
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket="studio-bucket")
        store = S3ObjectStore(client)
        data = b"x" * (40 * 1024 * 1024)
        store.upload(io.BytesIO(data), "s3://studio-bucket/big.jsonl")
        head = client.head_object(Bucket="studio-bucket", Key="big.jsonl")
        assert head["ContentLength"] == len(data)
        assert head["ETag"].strip('"').endswith("-3")  # three 16 MB parts


def test_s3_errors_are_named() -> None:
    with mock_aws():
        store = S3ObjectStore(boto3.client("s3", region_name="us-east-1"))
        with pytest.raises(ObjectStoreError, match="the bucket does not exist"):
            store.upload(io.BytesIO(b"x"), "s3://no-such-bucket/x.jsonl")


def test_the_local_store_keeps_objects_under_its_folder(tmp_path: Path) -> None:
    store = LocalObjectStore(tmp_path)
    store.put_bytes("s3://bucket/a/b.jsonl", b"hi")
    assert (tmp_path / "s3" / "bucket" / "a" / "b.jsonl").read_bytes() == b"hi"
