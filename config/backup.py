"""Backups: the database and the media directory in one archive, with a manifest to verify a restore.

An archive (``var/backups/hotline-<UTC time>.tar.gz``) holds:

- ``database.sqlite3`` (SQLite's online backup API: a consistent copy while the service runs) or
  ``database.pgdump`` (``pg_dump --format=custom``, restored with ``pg_restore``);
- ``media/…``: evidence originals (Fernet-encrypted by the service) and display copies;
- ``manifest.json``: rows per table and the sha256 of every file, taken from the same snapshot as
  the dump, and fingerprints (not values) of the encryption keys the data needs.

The keys themselves (``FIELD_ENCRYPTION_KEYS``, ``FIELD_HMAC_KEY``, ``SECRET_KEY``) are never in the
archive: keep them in the secret store, apart from the backups. A restore without them gets the
cases but not the reporters' identities (docs/reliability.md, "Backup and restore").
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, transaction

FORMAT = 1
MANIFEST = "manifest.json"
SQLITE_DUMP = "database.sqlite3"
POSTGRES_DUMP = "database.pgdump"
MEDIA = "media"


class BackupError(Exception):
    """A backup or restore that must stop; the message says why and what to do."""


@dataclass(frozen=True)
class Restored:
    tables: int
    rows: int
    files: int


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def key_fingerprints() -> list[str]:
    """Short hashes that tell which keys data was written with, without revealing them."""
    keys = [*settings.FIELD_ENCRYPTION_KEYS, "hmac:" + settings.FIELD_HMAC_KEY]
    return [hashlib.sha256(key.encode()).hexdigest()[:16] for key in keys]


# --- PostgreSQL -------------------------------------------------------------------------------


def _postgres_env() -> dict[str, str]:
    db = settings.DATABASES["default"]
    values = {"PGHOST": db["HOST"], "PGPORT": db["PORT"], "PGUSER": db["USER"], "PGPASSWORD": db["PASSWORD"]}
    return {**os.environ, **{name: str(value) for name, value in values.items() if value}}


def check_client_version(tool: str) -> None:
    """pg_dump/pg_restore must be at least the server's major version (older ones refuse or lose data)."""
    output = subprocess.run([tool, "--version"], capture_output=True, text=True, check=True).stdout  # noqa: S603
    found = re.search(r"(\d+)", output)
    client = int(found.group(1)) if found else 0
    connection.ensure_connection()
    server = connection.pg_version // 10000  # type: ignore[attr-defined]
    if client < server:
        raise BackupError(
            f"{tool} is version {client} but the server runs PostgreSQL {server}: install {tool} {server}."
        )


def _pg_dump(target: Path, snapshot: str) -> None:
    check_client_version("pg_dump")
    name = str(settings.DATABASES["default"]["NAME"])
    command = ["pg_dump", "--format=custom", "--no-owner", f"--snapshot={snapshot}", f"--file={target}", name]
    result = subprocess.run(command, env=_postgres_env(), capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode:
        raise BackupError(f"pg_dump failed: {result.stderr.strip()}")


def _pg_restore(dump: Path) -> None:
    check_client_version("pg_restore")
    name = str(settings.DATABASES["default"]["NAME"])
    command = ["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction", "-d", name]
    connection.close()
    command.append(str(dump))
    result = subprocess.run(command, env=_postgres_env(), capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode:
        raise BackupError(f"pg_restore failed: {result.stderr.strip()}")


# --- the database, either engine --------------------------------------------------------------


def table_rows() -> dict[str, int]:
    with connection.cursor() as cursor:
        tables = sorted(connection.introspection.table_names(cursor))
        counts = {}
        for table in tables:
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608  (introspected names)
            counts[table] = cursor.fetchone()[0]
    return counts


@contextmanager
def _snapshot() -> Iterator[str | None]:
    """PostgreSQL: one repeatable-read snapshot shared by the row counts and pg_dump."""
    if connection.vendor != "postgresql":
        yield None
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        cursor.execute("SELECT pg_export_snapshot()")
        yield cursor.fetchone()[0]


def _dump_database(workdir: Path) -> tuple[str, dict[str, int]]:
    if connection.vendor == "sqlite":
        target = workdir / SQLITE_DUMP
        source = sqlite3.connect(str(settings.DATABASES["default"]["NAME"]))
        with sqlite3.connect(target) as copy:
            source.backup(copy)
            tables = [row[0] for row in copy.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
            rows = {table: copy.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0] for table in tables}  # noqa: S608
        source.close()
        copy.close()
        return SQLITE_DUMP, {table: rows[table] for table in sorted(rows) if not table.startswith("sqlite_")}
    if connection.vendor == "postgresql":
        with _snapshot() as snapshot:
            assert snapshot is not None
            rows = table_rows()
            _pg_dump(workdir / POSTGRES_DUMP, snapshot)
        return POSTGRES_DUMP, rows
    raise BackupError(f"Backups support SQLite and PostgreSQL, not {connection.vendor}.")


def _restore_database(dump: Path) -> None:
    if connection.vendor == "sqlite":
        connection.close()
        with sqlite3.connect(dump) as source, sqlite3.connect(str(settings.DATABASES["default"]["NAME"])) as target:
            source.backup(target)
        source.close()
        target.close()
    else:
        _pg_restore(dump)


# --- archive ------------------------------------------------------------------------------------


def media_files(root: Path) -> dict[str, str]:
    """Relative path → sha256 of every file under MEDIA_ROOT."""
    if not root.exists():
        return {}
    return {path.relative_to(root).as_posix(): sha256_of(path) for path in sorted(root.rglob("*")) if path.is_file()}


def backup(destination: Path) -> Path:
    """Write one archive into ``destination`` and return its path."""
    destination.mkdir(parents=True, exist_ok=True)
    created = datetime.now(UTC)
    archive = destination / f"hotline-{created:%Y%m%dT%H%M%SZ}.tar.gz"
    media_root = Path(settings.MEDIA_ROOT)
    with tempfile.TemporaryDirectory(dir=destination) as scratch:
        workdir = Path(scratch)
        dump_name, rows = _dump_database(workdir)
        # Media after the database: every file a row names was written before its row committed.
        files = media_files(media_root)
        manifest: dict[str, Any] = {
            "format": FORMAT,
            "created_at": created.isoformat(),
            "vendor": connection.vendor,
            "database": {"file": dump_name, "sha256": sha256_of(workdir / dump_name), "rows": rows},
            "media": files,
            "key_fingerprints": key_fingerprints(),
            "keys": "not included: restore needs the same FIELD_ENCRYPTION_KEYS, FIELD_HMAC_KEY and SECRET_KEY",
        }
        (workdir / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False))
        partial = archive.with_suffix(".partial")
        with tarfile.open(partial, "w:gz") as tar:
            tar.add(workdir / MANIFEST, MANIFEST)
            tar.add(workdir / dump_name, dump_name)
            for relative in files:
                tar.add(media_root / relative, f"{MEDIA}/{relative}")
        partial.rename(archive)  # a half-written archive never looks like a backup
    return archive


def _read_manifest(tar: tarfile.TarFile) -> dict[str, Any]:
    stream = tar.extractfile(MANIFEST)
    if stream is None:
        raise BackupError("The archive has no manifest.json; it is not a hotline backup.")
    manifest: dict[str, Any] = json.load(stream)
    if manifest.get("format") != FORMAT:
        raise BackupError(f"Unknown backup format {manifest.get('format')!r}.")
    return manifest


def _check_sha(path: Path, expected: str, what: str) -> None:
    if sha256_of(path) != expected:
        raise BackupError(f"{what} does not match the manifest: the archive is damaged.")


def _extract(tar: tarfile.TarFile, into: Path) -> None:
    """Only plain files and folders inside ``into``: no absolute paths, no "..", no links or devices.
    Checked here because Python before 3.11.4 has no extraction filters; where it has them, the
    "data" filter checks the same again."""
    for member in tar.getmembers():
        target = (into / member.name).resolve()
        if not (member.isfile() or member.isdir()) or not target.is_relative_to(into.resolve()):
            raise BackupError(f"The archive holds an unsafe entry ({member.name!r}): refusing to restore it.")
    if hasattr(tarfile, "data_filter"):
        tar.extractall(into, filter="data")
    else:
        tar.extractall(into)  # noqa: S202  (every member checked above)


def restore(archive: Path) -> Restored:
    """Restore into an empty database and media directory, then check both against the manifest."""
    with connection.cursor() as cursor:
        if connection.introspection.table_names(cursor):
            raise BackupError("The database is not empty: restore only into a new, empty database.")
    media_root = Path(settings.MEDIA_ROOT)
    with tempfile.TemporaryDirectory() as scratch, tarfile.open(archive, "r:gz") as tar:
        workdir = Path(scratch)
        manifest = _read_manifest(tar)
        if manifest["vendor"] != connection.vendor:
            raise BackupError(f"This is a {manifest['vendor']} backup; the database here is {connection.vendor}.")
        _extract(tar, workdir)
        database = manifest["database"]
        _check_sha(workdir / database["file"], database["sha256"], database["file"])
        for relative, digest in manifest["media"].items():
            _check_sha(workdir / MEDIA / relative, digest, relative)
        _restore_database(workdir / database["file"])
        for relative in manifest["media"]:
            target = media_root / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(workdir / MEDIA / relative, target)
    restored_rows = table_rows()
    if restored_rows != database["rows"]:
        differing = sorted(
            t for t in {*restored_rows, *database["rows"]} if restored_rows.get(t) != database["rows"].get(t)
        )
        raise BackupError(f"Restored row counts differ from the manifest in: {', '.join(differing)}")
    if not manifest["media"].items() <= media_files(media_root).items():
        raise BackupError("Restored media files differ from the manifest.")
    return Restored(tables=len(restored_rows), rows=sum(restored_rows.values()), files=len(manifest["media"]))


def keys_match(archive: Path) -> bool:
    """Whether the running settings hold every key the archived data was written with."""
    with tarfile.open(archive, "r:gz") as tar:
        needed = set(_read_manifest(tar)["key_fingerprints"])
    return needed <= set(key_fingerprints())
