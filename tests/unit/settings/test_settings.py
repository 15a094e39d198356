from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from services.domain.errors import SettingsError
from services.settings import load_settings

ROOT = Path(__file__).resolve().parents[3]


def test_defaults_are_the_embedded_local_backend() -> None:
    settings = load_settings()
    assert settings.backend == "local"
    assert settings.aws_regions == ["us-east-1", "us-west-2"]
    assert settings.resolved_database_url.startswith("sqlite:///")
    assert settings.resolved_database_url.endswith("data/studio.db")


def test_environment_variables_with_the_studio_prefix(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("STUDIO_BACKEND", "aws")
    monkeypatch.setenv("STUDIO_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("STUDIO_AWS_REGIONS", "us-west-2, eu-central-1,us-west-2")
    monkeypatch.setenv("STUDIO_OPENAI_API_KEY", "sk-secret-value")
    monkeypatch.setenv("STUDIO_DATABASE_URL", "postgresql+psycopg://u@db:5432/studio")
    settings = load_settings()
    assert settings.backend == "aws"
    assert settings.aws_regions == ["us-west-2", "eu-central-1"]
    assert settings.resolved_database_url == "postgresql+psycopg://u@db:5432/studio"
    assert settings.openai_api_key is not None
    assert "sk-secret-value" not in repr(settings)


@pytest.mark.parametrize(
    ("variable", "value", "says"),
    [
        ("STUDIO_BACKEND", "azure", "STUDIO_BACKEND: Input should be 'local' or 'aws'"),
        ("STUDIO_AWS_REGIONS", "us-east-1,mars", "STUDIO_AWS_REGIONS: not an AWS region name: mars"),
        ("STUDIO_DATABASE_URL", "mysql://x@y/z", "STUDIO_DATABASE_URL: only sqlite:// and postgresql://"),
        ("STUDIO_DATABASE_URL", "not a url", "STUDIO_DATABASE_URL: not a database URL"),
        ("STUDIO_PROVIDER_TIMEOUT_SECONDS", "soon", "STUDIO_PROVIDER_TIMEOUT_SECONDS:"),
        ("STUDIO_POLL_SECONDS", "-1", "STUDIO_POLL_SECONDS: Input should be greater than 0"),
    ],
)
def test_a_bad_value_is_named(monkeypatch: pytest.MonkeyPatch, variable: str, value: str, says: str) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError) as info:
        load_settings()
    assert says in str(info.value)


def test_the_api_key_value_is_never_echoed_in_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STUDIO_BACKEND", "nope")
    monkeypatch.setenv("STUDIO_OPENAI_API_KEY", "sk-very-secret")
    with pytest.raises(SettingsError) as info:
        load_settings()
    assert "sk-very-secret" not in str(info.value)


def test_secrets_toml_is_read_below_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / ".streamlit").mkdir()
    (tmp_path / ".streamlit" / "secrets.toml").write_text(
        '[studio]\nbackend = "aws"\naws_regions = ["eu-west-1"]\n', encoding="utf-8"
    )
    monkeypatch.chdir(tmp_path)
    assert load_settings().aws_regions == ["eu-west-1"]
    monkeypatch.setenv("STUDIO_AWS_REGIONS", "us-east-2")
    settings = load_settings()
    assert (settings.backend, settings.aws_regions) == ("aws", ["us-east-2"])


def test_a_corrupt_secrets_file_is_named(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / ".streamlit").mkdir()
    (tmp_path / ".streamlit" / "secrets.toml").write_text("[studio\nbroken", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SettingsError, match=r"secrets\.toml: not valid TOML"):
        load_settings()


@pytest.mark.process
def test_the_settings_check_command_stops_start_up_with_the_message(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "STUDIO_BACKEND": "azure"}
    result = subprocess.run(
        [sys.executable, "-m", "services.settings"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 2
    assert "STUDIO_BACKEND" in result.stderr


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("not json", "STUDIO_PRICE_OVERRIDES: not valid JSON"),
        ('{"amazon.titan": {"training": -1}}', "price override 'amazon.titan': training: Input should be greater"),
        ('{"amazon.titan": {"trainng": 0.1}}', "trainng: Extra inputs are not permitted"),
        ('{"amazon.titan": 3}', "STUDIO_PRICE_OVERRIDES"),
    ],
)
def test_a_malformed_price_override_is_named(monkeypatch: pytest.MonkeyPatch, value: str, says: str) -> None:
    monkeypatch.setenv("STUDIO_PRICE_OVERRIDES", value)
    with pytest.raises(SettingsError) as info:
        load_settings()
    assert says in str(info.value)


@pytest.mark.parametrize(
    ("env", "address", "says"),
    [
        ({"STUDIO_BACKEND": "aws"}, "127.0.0.1", "The aws backend needs sign-in"),
        ({}, "0.0.0.0", "listens on loopback only"),
        ({}, None, "listens on loopback only"),
    ],
)
def test_start_up_refuses_unsafe_combinations(monkeypatch: pytest.MonkeyPatch, env: dict, address, says: str) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    problems = load_settings().startup_problems(address)
    assert problems and says in problems[0]


@pytest.mark.parametrize(
    "env",
    [
        {"STUDIO_BACKEND": "aws", "STUDIO_ALLOW_ANONYMOUS": "true"},
        {"STUDIO_BACKEND": "aws", "STUDIO_TRUSTED_USER_HEADER": "X-Forwarded-Email"},
        {"STUDIO_TRUSTED_USER_HEADER": "X-Forwarded-Email"},
    ],
)
def test_start_up_allows_safe_combinations(monkeypatch: pytest.MonkeyPatch, env: dict) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert load_settings().startup_problems("0.0.0.0" if "STUDIO_TRUSTED_USER_HEADER" in env else "127.0.0.1") == []


def test_the_settings_check_refuses_the_local_backend_on_all_interfaces() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "services.settings", "--address", "0.0.0.0"],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2 and "loopback only" in result.stderr
