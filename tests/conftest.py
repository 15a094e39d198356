"""The suite's fixtures and markers live in tests/support/plugin.py."""

pytest_plugins = ["tests.support.plugin"]
