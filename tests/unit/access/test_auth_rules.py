"""Who is an admin, from the settings; the token CLI end to end."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from services.access.api_tokens import TokenService
from services.access.signin import Identities
from services.domain.identity import Role
from services.settings import load_settings
from tests.support.fakes import InMemoryCatalogStore
from ui.auth import _groups

ROOT = Path(__file__).resolve().parents[3]


def test_admins_by_email_or_group(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STUDIO_ADMINS", "Ada@Example.com, bob@example.com")
    monkeypatch.setenv("STUDIO_ADMIN_GROUP", "ml-platform-admins")
    identities = Identities(load_settings(), TokenService(InMemoryCatalogStore()))
    assert identities.role_for("ada@example.com", []) is Role.ADMIN
    assert identities.role_for("mia@example.com", ["data", "ml-platform-admins"]) is Role.ADMIN
    assert identities.role_for("mia@example.com", ["data"]) is Role.MEMBER
    assert identities.signed_in("mia@example.com", "", ["ml-platform-admins"], "header").is_admin
    assert _groups("a, b,,c") == ["a", "b", "c"] and _groups(["x", 1]) == ["x", "1"] and _groups(None) == []


@pytest.mark.process
def test_the_token_cli_creates_lists_and_revokes(tmp_path: Path) -> None:
    env = {"PATH": os.environ["PATH"], "STUDIO_DATA_DIR": str(tmp_path)}

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "services.tokens", *args], cwd=ROOT, env=env, capture_output=True, text=True
        )

    created = cli("create", "--user", "mia@example.com", "--role", "member", "--name", "laptop")
    assert created.returncode == 0, created.stderr
    token = created.stdout.strip().splitlines()[-1]
    token_id = created.stdout.split()[1]
    assert token.startswith("mst_")
    listed = cli("list")
    assert token_id in listed.stdout and "mia@example.com" in listed.stdout and token not in listed.stdout
    assert "active" in listed.stdout
    assert cli("revoke", token_id).returncode == 0
    assert "revoked" in cli("list").stdout
    assert cli("revoke", token_id).returncode == 1
    bad = cli("create", "--user", " ", "--role", "member")
    assert bad.returncode == 2 and "--user" in bad.stderr
