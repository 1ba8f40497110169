"""Evidence files: checked by content, original encrypted at rest, a stripped copy for staff.

The type is read from the first bytes, never from the name or the declared content type, so a
renamed executable is refused. Images are decoded with a pixel limit (decompression bombs) and
re-encoded without EXIF/GPS for display; the original stays byte-for-byte as evidence.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import cast

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db.models import FileField
from django.utils.translation import gettext as _
from PIL import Image, ImageOps

from cases.models import Attachment, Case
from config.crypto import fernet
from config.errors import ApplicationError
from hotline import conf

MAX_IMAGE_PIXELS = 50_000_000


@dataclass(frozen=True)
class FileKind:
    content_type: str
    kind: str  # image, video, audio, pdf
    extension: str


# (offset, magic bytes, type): checked in order, first match wins.
_SIGNATURES: list[tuple[int, bytes, FileKind]] = [
    (0, b"\xff\xd8\xff", FileKind("image/jpeg", "image", "jpg")),
    (0, b"\x89PNG\r\n\x1a\n", FileKind("image/png", "image", "png")),
    (0, b"GIF87a", FileKind("image/gif", "image", "gif")),
    (0, b"GIF89a", FileKind("image/gif", "image", "gif")),
    (8, b"WEBP", FileKind("image/webp", "image", "webp")),
    (8, b"WAVE", FileKind("audio/wav", "audio", "wav")),
    (0, b"%PDF-", FileKind("application/pdf", "pdf", "pdf")),
    (0, b"#!AMR", FileKind("audio/amr", "audio", "amr")),
    (0, b"OggS", FileKind("audio/ogg", "audio", "ogg")),
    (0, b"ID3", FileKind("audio/mpeg", "audio", "mp3")),
    (0, b"\xff\xfb", FileKind("audio/mpeg", "audio", "mp3")),
    (0, b"\xff\xf3", FileKind("audio/mpeg", "audio", "mp3")),
    (0, b"\xff\xf2", FileKind("audio/mpeg", "audio", "mp3")),
    (0, b"\x1a\x45\xdf\xa3", FileKind("video/webm", "video", "webm")),
]
# ISO media files say what they are in the brand after "ftyp"; anything else there is treated as MP4 video.
_FTYP_BRANDS = {
    b"heic": FileKind("image/heic", "image", "heic"),
    b"heix": FileKind("image/heic", "image", "heic"),
    b"mif1": FileKind("image/heic", "image", "heic"),
    b"M4A ": FileKind("audio/mp4", "audio", "m4a"),
    b"qt  ": FileKind("video/quicktime", "video", "mov"),
}
_MP4 = FileKind("video/mp4", "video", "mp4")


def sniff(head: bytes) -> FileKind | None:
    """The file's real type from its magic bytes, or None for anything the mailbox does not take."""
    for offset, magic, kind in _SIGNATURES:
        if head[offset : offset + len(magic)] == magic and (offset == 0 or head[:4] == b"RIFF"):
            return kind
    if head[4:8] == b"ftyp":
        return _FTYP_BRANDS.get(head[8:12], _MP4)
    return None


def check_file(name: str, content: bytes, *, field: str = "files") -> FileKind:
    """The file's kind, or a refusal naming the file and why (type or size)."""
    kind = sniff(content[:32])
    label = name[:80] or _("file")
    if not content:
        raise ApplicationError(_("“%(name)s” is empty.") % {"name": label}, fields={field: [_("Empty file.")]})
    if kind is None:
        message = _("“%(name)s” is not a photo, video, audio recording or PDF.") % {"name": label}
        raise ApplicationError(message, code="unsupported_file", fields={field: [message]})
    limit = conf.max_bytes(kind.kind)
    if len(content) > limit:
        message = _("“%(name)s” is larger than %(mb)s MB.") % {"name": label, "mb": limit // conf.MB}
        raise ApplicationError(message, code="file_too_large", fields={field: [message]})
    if kind.kind == "image" and kind.content_type != "image/heic":
        _check_image(content, label, field)
    return kind


def _check_image(content: bytes, label: str, field: str) -> None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(content)) as image:
                if image.width * image.height > MAX_IMAGE_PIXELS:
                    raise Image.DecompressionBombError("too many pixels")
                image.verify()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        message = _("“%(name)s” has too many pixels.") % {"name": label}
        raise ApplicationError(message, code="unsupported_file", fields={field: [message]}) from None
    except Exception:  # Pillow raises many types for broken data; all mean "not a usable image"
        message = _("“%(name)s” is damaged or not really an image.") % {"name": label}
        raise ApplicationError(message, code="unsupported_file", fields={field: [message]}) from None


def stripped_copy(content: bytes, kind: FileKind) -> bytes | None:
    """The image re-encoded from its pixels only (no EXIF, GPS or comments), upright; None if not an image."""
    if kind.kind != "image" or kind.content_type == "image/heic":
        return None
    with Image.open(io.BytesIO(content)) as image:
        upright = ImageOps.exif_transpose(image)
        out = io.BytesIO()
        if kind.content_type == "image/jpeg":
            upright.convert("RGB").save(out, format="JPEG", quality=88)
        else:
            upright.save(out, format="PNG")
        return out.getvalue()


@dataclass(frozen=True)
class StoredEvidence:
    """An encrypted original already in storage, waiting to become an attachment (JSON-friendly)."""

    name: str  # storage name of the encrypted file
    original_name: str
    content_type: str
    kind: str
    extension: str
    size: int
    sha256: str


_written: ContextVar[list[str] | None] = ContextVar("evidence_written", default=None)


@contextmanager
def evidence_removed_on_failure() -> Iterator[None]:
    """Delete the files written inside the block if it fails: storage has no rollback, so a database
    write that fails after the file was saved would otherwise leave an orphan (an encrypted original
    no row points to). Put it outside the ``transaction.atomic()`` so a failed commit counts too."""
    if _written.get() is not None:  # an outer block already watches
        yield
        return
    written: list[str] = []
    token = _written.set(written)
    try:
        yield
    except BaseException:
        for name in written:
            default_storage.delete(name)
        raise
    finally:
        _written.reset(token)


def _save(field_name: str, name: str, content: bytes) -> str:
    field = cast(FileField, Attachment._meta.get_field(field_name))
    # upload_to is a date pattern, so no instance is needed to name the file.
    path = field.generate_filename(None, name)  # type: ignore[arg-type]
    stored = field.storage.save(path, ContentFile(content))
    written = _written.get()
    if written is not None:
        written.append(stored)
    return stored


def evidence_store(*, content: bytes, kind: FileKind, original_name: str = "") -> StoredEvidence:
    """Write the original, encrypted, before any row points to it."""
    digest = hashlib.sha256(content).hexdigest()
    name = _save("original_file", f"{digest[:24]}.{kind.extension}.enc", fernet().encrypt(content))
    return StoredEvidence(
        name=name,
        original_name=original_name[:200],
        content_type=kind.content_type,
        kind=kind.kind,
        extension=kind.extension,
        size=len(content),
        sha256=digest,
    )


def attachment_from_evidence(
    *,
    case: Case,
    evidence: StoredEvidence,
    source: str,
    content: bytes | None = None,
    duration_seconds: int | None = None,
    transcript_status: str = "",
) -> Attachment:
    """The attachment row for a stored original, with the stripped copy staff see for photos.

    ``content`` is the original in clear when the caller still has it; otherwise it is decrypted.
    """
    attachment = Attachment(
        case=case,
        source=source,
        original_name=evidence.original_name,
        content_type=evidence.content_type,
        size=evidence.size,
        sha256=evidence.sha256,
        duration_seconds=duration_seconds,
        transcript_status=transcript_status,
    )
    attachment.original_file.name = evidence.name
    kind = FileKind(evidence.content_type, evidence.kind, evidence.extension)
    if kind.kind == "image" and kind.content_type != "image/heic":
        if content is None:
            with attachment.original_file.open("rb") as stored:
                content = fernet().decrypt(stored.read())
        display = stripped_copy(content, kind)
        if display is not None:
            extension = "jpg" if kind.content_type == "image/jpeg" else "png"
            attachment.display_file.name = _save("display_file", f"{evidence.sha256[:24]}.{extension}", display)
    attachment.save()
    return attachment


def attachment_store(
    *,
    case: Case,
    content: bytes,
    kind: FileKind,
    source: str,
    original_name: str = "",
    duration_seconds: int | None = None,
    transcript_status: str = "",
) -> Attachment:
    """Keep the original encrypted (evidence) and, for photos, a stripped copy for staff.

    Call it inside ``evidence_removed_on_failure()`` so a failed transaction leaves no file behind.
    """
    evidence = evidence_store(content=content, kind=kind, original_name=original_name)
    return attachment_from_evidence(
        case=case,
        evidence=evidence,
        source=source,
        content=content,
        duration_seconds=duration_seconds,
        transcript_status=transcript_status,
    )
