"""(e) The media disk is full when a web report with a photo arrives.

MEDIA_ROOT is a 4 MB tmpfs (conftest); the test fills it to the last byte. The report itself is
text in PostgreSQL and must not be lost to a full disk: the reporter gets a receipt, is told the
photo could not be kept (naming it, so they can send it again), and the case is there without it.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.resilience.client import Hotline, small_photo
from tests.resilience.stack import case_with_text, sql, tasks_drained, wait_until


@pytest.fixture
def full_media_disk(media_disk: Path) -> Iterator[Path]:
    """Fill the media tmpfs to the last byte (big writes, then smaller, then single bytes)."""
    filler = media_disk / "filler"
    descriptor = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        for size in (1 << 20, 1 << 12, 1):
            try:
                while True:
                    os.write(descriptor, b"\0" * size)
            except OSError as error:
                assert error.errno == errno.ENOSPC
    finally:
        os.close(descriptor)
    yield media_disk
    filler.unlink()


def test_a_report_whose_photo_finds_the_disk_full_is_kept_and_the_reporter_told(
    hotline: Hotline, full_media_disk: Path, database_url: str
) -> None:
    marker = "disk-full-report"
    reply = hotline.report(description=f"厂房屋顶彩钢板松动 {marker}", password="secret-123", photos=(small_photo(7),))

    assert reply.status_code == 201, reply.text
    answer = reply.json()
    assert len(answer["receipt"]) == 16
    assert "photo-0.jpg" in answer["message"], answer
    wait_until(lambda: tasks_drained(database_url), seconds=60, what="the report to be registered")
    reference = case_with_text(database_url, marker)
    assert reference, "the report text was lost with its photo"
    assert sql(
        database_url,
        "SELECT count(*) FROM cases_attachment a JOIN cases_case c ON c.id = a.case_id WHERE c.reference = %s",
        reference,
    ) == [(0,)]
    status = hotline.lookup(receipt=answer["receipt"], password="secret-123")
    assert status.status_code == 200, status.text
