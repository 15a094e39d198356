from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from api.app import create_api
from tests.support.fakes import World


@pytest.fixture
def client(w: World) -> TestClient:
    # a loopback caller in local mode without sign-in: the local admin, no token needed
    return TestClient(create_api(lambda: w.services), raise_server_exceptions=False, client=("127.0.0.1", 50000))
