"""schemathesis against /openapi.json: generated requests to every operation find no 5xx."""

from __future__ import annotations

import tempfile
from pathlib import Path

import orjson
import schemathesis
from hypothesis import HealthCheck, settings

from api.app import create_api
from tests.support.factories import LLAMA
from tests.support.fakes import ADMIN, World

_TMP = tempfile.TemporaryDirectory(prefix="studio-fuzz-")  # removed when the test process ends


def _app():
    w = World(Path(_TMP.name))
    w.catalog.sync(actor=ADMIN)
    w.catalog.enable(LLAMA, actor=ADMIN)
    data = b"".join(orjson.dumps({"prompt": f"q{i}", "completion": "a"}) + b"\n" for i in range(120))
    w.objects.put_bytes("s3://my-data/train.jsonl", data)
    return create_api(lambda: w.services)


schema = schemathesis.openapi.from_asgi("/openapi.json", _app())


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_errors(case) -> None:
    response = case.call()
    assert response.status_code < 500, (case.method, case.formatted_path, response.text)
