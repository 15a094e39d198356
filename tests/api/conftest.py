from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_api
from tests.fakes import World


@pytest.fixture
def world(tmp_path: Path) -> World:
    w = World(tmp_path)
    w.catalog.sync()
    w.catalog.enable("bedrock:meta.llama3-1-8b-instruct-v1:0:128k")
    return w


@pytest.fixture
def client(world: World) -> TestClient:
    return TestClient(create_api(lambda: world.services), raise_server_exceptions=False)
