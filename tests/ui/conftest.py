from tests.support.apptest import APP, make_app, world  # noqa: F401 - fixtures for the page tests
