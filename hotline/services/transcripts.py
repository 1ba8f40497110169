"""Voicemail transcripts: Twilio's text fills the case when it arrives; long calls go to an officer."""

from __future__ import annotations

from django.db import transaction

from cases import services
from cases.models import Attachment
from hotline.models import RemoteMedia

# Twilio transcribes recordings up to this length; longer ones need a person.
TRANSCRIBE_MAX_SECONDS = 120


def transcript_status_for(duration_seconds: int) -> str:
    if duration_seconds > TRANSCRIBE_MAX_SECONDS:
        return Attachment.TranscriptStatus.MANUAL
    return Attachment.TranscriptStatus.PENDING


def transcription_receive(*, recording_sid: str, text: str, completed: bool) -> RemoteMedia | None:
    """Keep what Twilio transcribed; None when the recording is unknown (nothing to do, still 200)."""
    with transaction.atomic():
        media = RemoteMedia.objects.select_for_update().filter(recording_sid=recording_sid).first()
        if media is None:
            return None
        if completed and text.strip():
            media.transcript = text.strip()
            media.transcript_status = Attachment.TranscriptStatus.DONE
        else:
            media.transcript_status = Attachment.TranscriptStatus.MANUAL
        media.save(update_fields=["transcript", "transcript_status"])
        # The case text need not wait for the audio download; the attachment gets it when stored.
        transcript_apply(media=media)
    return media


def transcript_apply(*, media: RemoteMedia) -> None:
    """Copy the transcript to the stored recording and, while the case has no text yet, to the case."""
    if media.attachment_id is not None:
        Attachment.objects.filter(pk=media.attachment_id).update(
            transcript=media.transcript, transcript_status=media.transcript_status
        )
    if not media.transcript:
        return
    services.case_transcript_fill(case=media.case, text=media.transcript)
