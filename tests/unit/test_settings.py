"""Settings an operator sets: defaults, *_FILE secrets, and one clear line per mistake."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from medianest.config import Settings, describe_error


def build(monkeypatch: pytest.MonkeyPatch, **env: str) -> Settings:
    for key, value in env.items():
        monkeypatch.setenv(f"MEDIANEST_{key}", value)
    return Settings(_env_file=None)  # type: ignore[call-arg]


def error_line(monkeypatch: pytest.MonkeyPatch, **env: str) -> str:
    with pytest.raises(ValidationError) as caught:
        build(monkeypatch, **env)
    return describe_error(caught.value)


def test_defaults_give_an_embedded_install_in_the_data_dir(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = build(monkeypatch, DATA_DIR="/srv/nest")
    assert settings.resolved_database_url == "sqlite+aiosqlite:////srv/nest/medianest.db"
    assert settings.redis_url is None
    assert settings.port == 8000
    assert settings.plextv_url == "https://plex.tv"
    assert settings.allowed_download_hosts == (
        "youtube.com",
        "m.youtube.com",
        "music.youtube.com",
        "youtu.be",
    )


def test_plain_postgres_urls_are_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = build(monkeypatch, DATABASE_URL="postgresql://nest:pw@db:5432/nest")
    assert settings.resolved_database_url == "postgresql+asyncpg://nest:pw@db:5432/nest"
    assert not settings.is_sqlite


def test_secret_read_from_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    secret = tmp_path / "plex_token"
    secret.write_text("tok-from-file\n", encoding="utf-8")
    settings = build(monkeypatch, PLEX_TOKEN_FILE=str(secret))
    assert settings.plex_token is not None
    assert settings.plex_token.get_secret_value() == "tok-from-file"
    assert "tok-from-file" not in repr(settings)


def test_unreadable_secret_file_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("MEDIANEST_OVERSEERR_API_KEY_FILE", str(tmp_path / "missing"))
    with pytest.raises(ValueError, match="MEDIANEST_OVERSEERR_API_KEY_FILE"):
        Settings(_env_file=None)  # type: ignore[call-arg]


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"PORT": "eighty"}, "MEDIANEST_PORT: Input should be a valid integer"),
        ({"PORT": "70000"}, "MEDIANEST_PORT: Input should be less than or equal to 65535"),
        ({"REDIS_URL": "localhost:6379"}, "MEDIANEST_REDIS_URL: must start with redis://"),
        ({"REDIS_URL": "redis://:6379"}, "MEDIANEST_REDIS_URL: must name a host"),
        (
            {"DATABASE_URL": "mysql://x/y"},
            "MEDIANEST_DATABASE_URL: must be a sqlite:/// or postgresql://",
        ),
        ({"PLEX_URL": "ftp://plex"}, "MEDIANEST_PLEX_URL: must be an http:// or https:// URL"),
        ({"LOG_LEVEL": "loud"}, "MEDIANEST_LOG_LEVEL: Input should be"),
    ],
)
def test_invalid_values_fail_with_one_line_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], expected: str
) -> None:
    line = error_line(monkeypatch, **env)
    assert line.startswith(expected)
    assert "\n" not in line
    assert "Traceback" not in line


@pytest.mark.parametrize("key", ["changeme", "secret", "short-but-not-32"])
def test_production_refuses_weak_secret_keys(monkeypatch: pytest.MonkeyPatch, key: str) -> None:
    line = error_line(monkeypatch, ENVIRONMENT="production", SECRET_KEY=key)
    assert "MEDIANEST_SECRET_KEY" in line


def test_production_accepts_a_long_random_key(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = build(monkeypatch, ENVIRONMENT="production", SECRET_KEY="k" * 16 + "Q9x!" * 5)
    assert settings.environment == "production"


def test_trailing_slashes_are_dropped_from_service_urls(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = build(monkeypatch, OVERSEERR_URL="http://seerr:5055/")
    assert settings.overseerr_url == "http://seerr:5055"
