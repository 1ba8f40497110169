"""Copying Twilio-held media into evidence: authenticated downloads, retries, refusals, sandbox limits."""

from __future__ import annotations

from typing import Any

import pytest

from cases import services
from cases.models import Attachment, Channel
from hotline.models import RemoteMedia
from hotline.services.remote_media import MediaUnavailable, remote_media_fetch
from tests.factories import ReporterFactory
from tests.hotline.conftest import jpeg_with_gps


def pending(url: str) -> RemoteMedia:
    case = services.case_create(channel=Channel.SMS, reporter=ReporterFactory(), description="x").case
    return RemoteMedia.objects.create(case=case, url=url, source=Attachment.Source.MMS)


@pytest.mark.django_db
def test_a_download_failure_is_retried_and_then_stored_once(fake_twilio: Any) -> None:
    media = pending(fake_twilio.serve_media("/Media/ME1", jpeg_with_gps(), "image/jpeg"))
    fake_twilio.fail_next(1, "500")

    with pytest.raises(MediaUnavailable):
        remote_media_fetch(media.pk)
    assert RemoteMedia.objects.get().status == RemoteMedia.Status.PENDING

    remote_media_fetch(media.pk)
    remote_media_fetch(media.pk)  # a duplicated task does nothing more
    stored = RemoteMedia.objects.get()
    assert stored.status == RemoteMedia.Status.STORED and stored.attempts == 2
    assert Attachment.objects.count() == 1
    assert all(r.path == "/Media/ME1" for r in fake_twilio.requests)


@pytest.mark.django_db
def test_a_disguised_mms_file_is_refused_without_retrying(fake_twilio: Any) -> None:
    media = pending(fake_twilio.serve_media("/Media/ME2", b"MZ\x90\x00 a program", "image/jpeg"))

    remote_media_fetch(media.pk)

    refused = RemoteMedia.objects.get()
    assert refused.status == RemoteMedia.Status.FAILED and not Attachment.objects.exists()


@pytest.mark.django_db
def test_sandbox_mode_never_fetches_from_the_internet() -> None:
    media = pending("https://api.twilio.com/2010-04-01/Accounts/AC/Messages/MM/Media/ME3")

    remote_media_fetch(media.pk)

    assert RemoteMedia.objects.get().status == RemoteMedia.Status.FAILED
    assert not Attachment.objects.exists()
