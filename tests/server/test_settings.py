"""Settings come from HELPDESK_* variables; a bad value is one readable line naming the variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from server.settings import Settings, SettingsError, load_settings


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No HELPDESK_* variable of the caller's shell and no stray .env file reach the test."""
    for name in Settings.model_fields:
        monkeypatch.delenv(f"HELPDESK_{name.upper()}", raising=False)
    monkeypatch.chdir(tmp_path)


def test_defaults_load() -> None:
    settings = load_settings()

    assert settings.database_url == "sqlite:///helpdesk.db"
    assert settings.is_sqlite
    assert settings.quota_per_minute == 100
    assert settings.resource_url == "http://127.0.0.1:8000/mcp"


def test_negative_quota_is_refused_naming_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HELPDESK_QUOTA_PER_MINUTE", "-1")

    with pytest.raises(SettingsError) as excinfo:
        load_settings()

    message = str(excinfo.value)
    assert message.startswith("HELPDESK_QUOTA_PER_MINUTE: ")
    assert "greater than or equal to 0" in message
    assert "\n" not in message


def test_every_bad_setting_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HELPDESK_QUOTA_PER_MINUTE", "-1")
    monkeypatch.setenv("HELPDESK_BASE_URL", "ftp://example.com")

    with pytest.raises(SettingsError) as excinfo:
        load_settings()

    assert "HELPDESK_QUOTA_PER_MINUTE" in str(excinfo.value)
    assert "HELPDESK_BASE_URL" in str(excinfo.value)


def test_environment_values_are_read_and_normalised(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HELPDESK_QUOTA_PER_MINUTE", "0")
    monkeypatch.setenv("HELPDESK_DATABASE_URL", "postgres://helpdesk@db/helpdesk")
    monkeypatch.setenv("HELPDESK_BASE_URL", "HTTPS://Helpdesk.Example.com/")

    settings = load_settings()

    assert settings.quota_per_minute == 0
    assert settings.database_url == "postgresql+psycopg://helpdesk@db/helpdesk"
    assert settings.base_url == "https://helpdesk.example.com"
    assert not settings.is_sqlite


def test_every_setting_is_documented_in_the_readme() -> None:
    from pathlib import Path

    from server.settings import Settings

    readme = (Path(__file__).parents[2] / "README.md").read_text()
    missing = [name for name in Settings.model_fields if f"`HELPDESK_{name.upper()}`" not in readme]
    assert not missing, f"settings missing from the README table: {missing}"


@pytest.mark.parametrize(
    ("environment", "expected"),
    [
        ({}, "memory"),
        ({"HELPDESK_WORKERS": "2"}, "database"),
        ({"HELPDESK_DATABASE_URL": "postgresql://h@db/h"}, "database"),
        ({"HELPDESK_REDIS_URL": "redis://127.0.0.1:6379/0", "HELPDESK_WORKERS": "4"}, "redis"),
        ({"HELPDESK_QUOTA_STORAGE": "database"}, "database"),
        ({"HELPDESK_QUOTA_MINUTE_STORAGE": "database"}, "database"),
        ({"HELPDESK_QUOTA_MINUTE_STORAGE": "database", "HELPDESK_QUOTA_STORAGE": "memory"}, "memory"),
    ],
)
def test_quota_storage_auto_counts_in_memory_only_for_one_process_on_sqlite(
    monkeypatch: pytest.MonkeyPatch, environment: dict[str, str], expected: str
) -> None:
    for name, value in environment.items():
        monkeypatch.setenv(name, value)

    assert load_settings().quota_store == expected


def test_redis_quota_storage_needs_a_redis_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HELPDESK_QUOTA_STORAGE", "redis")

    with pytest.raises(SettingsError, match=r"HELPDESK_QUOTA_STORAGE: .*HELPDESK_REDIS_URL"):
        load_settings()
