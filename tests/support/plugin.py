"""The suite's pytest plugin: the fixtures every tier uses (the World over fakes, databases, a clean
environment, botocore's service model checking every request) and the `process` marker put on every
test that starts a process or a server, by where it lives."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.support.factories import LLAMA
from tests.support.fakes import ADMIN, World

PG_URL_ENV = "STUDIO_TEST_DATABASE_URL"


@pytest.fixture(autouse=True, scope="session")
def _requests_valid_for_the_service() -> Iterator[None]:
    """Every boto3 request in the suite is checked against botocore's model, patterns included."""
    from tests.support import botocore_check

    botocore_check.install()
    yield
    botocore_check.uninstall()


@pytest.fixture
def invalid_requests_allowed() -> Iterator[None]:
    """For a test of how an adapter reports the service's refusal of a request the check would stop."""
    from tests.support import botocore_check

    botocore_check.uninstall()
    yield
    botocore_check.install()


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """No test sees the developer's STUDIO_* settings or real AWS credentials."""
    for name in list(os.environ):
        if name.startswith("STUDIO_") and name != PG_URL_ENV:
            monkeypatch.delenv(name)
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SECURITY_TOKEN", "AWS_SESSION_TOKEN"):
        monkeypatch.setenv(name, "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.delenv("AWS_PROFILE", raising=False)


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{(tmp_path / 'studio.db').as_posix()}"


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A PostgreSQL database URL whose tables live in a throwaway schema."""
    base = os.environ.get(PG_URL_ENV)
    if not base:
        pytest.skip(f"{PG_URL_ENV} is not set")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest) -> str:
    name = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    return str(request.getfixturevalue(name))


@pytest.fixture
def world(tmp_path, request) -> World:  # type: ignore[no-untyped-def]
    """Every service wired by build_services on fakes, on a fake clock (tests/support/fakes.py); marked
    ``on_demand``, with the on-demand variants of the fine-tunable base models too."""
    return World(tmp_path, on_demand=request.node.get_closest_marker("on_demand") is not None)


@pytest.fixture
def w(world: World) -> World:
    """The usual starting point: the catalog synced and Llama 3.1 8B (fine-tunable) enabled."""
    world.catalog.sync(actor=ADMIN)
    world.catalog.enable(LLAMA, actor=ADMIN)
    return world


# Where the tests that start processes or servers live (and the few elsewhere that do, marked by hand)
PROCESS_PLACES = ("tests/system/", "tests/security/", "tests/e2e/", "tests/test_readme.py", "tests/api/test_server.py")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    root = config.rootpath
    for item in items:
        where = item.path.relative_to(root).as_posix() if item.path.is_relative_to(root) else ""
        if where.startswith(PROCESS_PLACES):
            item.add_marker(pytest.mark.process)
