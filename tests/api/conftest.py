from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_api
from tests.fakes import ADMIN, World


@pytest.fixture
def world(tmp_path: Path) -> World:
    w = World(tmp_path)
    w.catalog.sync(actor=ADMIN)
    w.catalog.enable("bedrock:meta.llama3-1-8b-instruct-v1:0:128k", actor=ADMIN)
    return w


@pytest.fixture
def client(world: World) -> TestClient:
    # a loopback caller in local mode without sign-in: the local admin, no token needed
    return TestClient(create_api(lambda: world.services), raise_server_exceptions=False, client=("127.0.0.1", 50000))
