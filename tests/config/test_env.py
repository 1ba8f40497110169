"""The typed environment readers fail loudly instead of guessing."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.env import database_from_url, env_bool, env_int, env_list, env_str


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1", True),
        ("true", True),
        ("ON", True),
        (" True ", True),
        ("0", False),
        ("false", False),
        ("off", False),
        ("", False),
    ],
)
def test_env_bool_reads_the_documented_spellings(monkeypatch: pytest.MonkeyPatch, raw: str, expected: bool) -> None:
    monkeypatch.setenv("HOTLINE_FLAG", raw)
    assert env_bool("HOTLINE_FLAG", not expected) is expected


@pytest.mark.parametrize("raw", ["yes", "no", "y", "2", "enabled"])
def test_env_bool_rejects_yes_ish_values(monkeypatch: pytest.MonkeyPatch, raw: str) -> None:
    monkeypatch.setenv("HOTLINE_FLAG", raw)
    with pytest.raises(ImproperlyConfigured, match="HOTLINE_FLAG"):
        env_bool("HOTLINE_FLAG", False)


def test_env_bool_uses_the_default_when_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HOTLINE_FLAG", raising=False)
    assert env_bool("HOTLINE_FLAG", True) is True


def test_env_int_rejects_a_non_number(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOTLINE_LIMIT", "5d")
    with pytest.raises(ImproperlyConfigured, match="HOTLINE_LIMIT='5d' is not a whole number"):
        env_int("HOTLINE_LIMIT", 5)


def test_env_list_splits_on_commas_and_drops_blanks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOTLINE_HOSTS", " a.example , ,b.example,")
    assert env_list("HOTLINE_HOSTS", []) == ["a.example", "b.example"]


def test_env_str_requires_a_value_without_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HOTLINE_SECRET", raising=False)
    monkeypatch.delenv("HOTLINE_SECRET_FILE", raising=False)
    with pytest.raises(ImproperlyConfigured, match="HOTLINE_SECRET is required"):
        env_str("HOTLINE_SECRET")


def test_env_str_reads_a_secret_from_name_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    secret = tmp_path / "secret"
    secret.write_text("from-the-file\n")
    monkeypatch.setenv("HOTLINE_SECRET", "from-the-variable")
    monkeypatch.setenv("HOTLINE_SECRET_FILE", str(secret))
    assert env_str("HOTLINE_SECRET") == "from-the-file"


def test_a_missing_name_file_fails_loudly(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOTLINE_SECRET_FILE", str(tmp_path / "absent"))
    with pytest.raises(FileNotFoundError):
        env_str("HOTLINE_SECRET", "default")


def test_database_url_rejects_an_unknown_scheme(tmp_path: Path) -> None:
    with pytest.raises(ImproperlyConfigured, match="scheme 'mysql' is not supported"):
        database_from_url("mysql://root@localhost/hotline", tmp_path)


def test_database_url_postgres_goes_through_the_pool(tmp_path: Path) -> None:
    database = database_from_url("postgres://hotline:p%40ss@db.internal:6543/hotline?pool_max=4", tmp_path)
    assert database["ENGINE"] == "django.db.backends.postgresql"
    assert (database["NAME"], database["USER"], database["PASSWORD"]) == ("hotline", "hotline", "p@ss")
    assert (database["HOST"], database["PORT"]) == ("db.internal", "6543")
    assert database["CONN_MAX_AGE"] == 0
    assert database["OPTIONS"] == {"pool": {"min_size": 1, "max_size": 4, "timeout": 10}, "prepare_threshold": 5}


def test_database_url_sqlite_paths_are_relative_to_the_project(tmp_path: Path) -> None:
    assert database_from_url("sqlite:///var/hotline.sqlite3", tmp_path)["NAME"] == str(tmp_path / "var/hotline.sqlite3")
    assert database_from_url("sqlite:////srv/hotline.sqlite3", tmp_path)["NAME"] == "/srv/hotline.sqlite3"
