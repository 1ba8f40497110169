""".env.example is the one list of environment variables an operator reads: it must be complete."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# First-party code that may read the environment: settings and the apps (their conf modules).
SOURCES = ["config", "directory", "cases", "hotline", "rewards", "notifications"]
READ = re.compile(r"""\benv_(?:str|bool|int|list)\(\s*["']([A-Z][A-Z0-9_]*)["']""")
DOCUMENTED = re.compile(r"^#?\s*([A-Z][A-Z0-9_]*)=", re.M)


def variables_read() -> dict[str, str]:
    """Variable name → the first file that reads it."""
    found: dict[str, str] = {}
    for package in SOURCES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            for name in READ.findall(path.read_text()):
                found.setdefault(name, str(path.relative_to(ROOT)))
    return found


def variables_documented() -> set[str]:
    return set(DOCUMENTED.findall((ROOT / ".env.example").read_text()))


def test_the_scan_finds_the_settings_variables() -> None:
    """Guards the regex: if it stopped matching, the completeness test below would pass vacuously."""
    read = variables_read()
    assert {"SECRET_KEY", "DATABASE_URL", "REDIS_URL", "FIELD_ENCRYPTION_KEYS", "DEBUG", "SECURE_SSL_REDIRECT"} <= set(
        read
    )
    assert read["SECURE_SSL_REDIRECT"] == "config/settings/production.py"


def test_every_variable_read_is_documented_in_env_example() -> None:
    missing = {name: where for name, where in variables_read().items() if name not in variables_documented()}
    assert not missing, f"add these to .env.example (name: file that reads it): {missing}"


def test_every_variable_read_is_named_in_the_deployment_guide() -> None:
    guide = (ROOT / "docs" / "deployment.md").read_text()
    missing = sorted(name for name in variables_read() if f"`{name}`" not in guide)
    assert not missing, f"docs/deployment.md does not mention: {missing}"


def test_env_example_documents_no_variable_that_nothing_reads() -> None:
    # DJANGO_SETTINGS_MODULE is read by Django itself, not by our helpers.
    stale = variables_documented() - set(variables_read()) - {"DJANGO_SETTINGS_MODULE"}
    assert not stale, f"nothing reads these any more; remove them from .env.example: {sorted(stale)}"
