"""Evidence files: checked by content, original encrypted at rest, a stripped copy for staff.

The type is read from the first bytes, never from the name or the declared content type, so a
renamed executable is refused. Images are decoded with a pixel limit (decompression bombs) and
re-encoded without EXIF/GPS for display; the original stays byte-for-byte as evidence.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass

from django.core.files.base import ContentFile
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
    """Keep the original encrypted (evidence) and, for photos, a stripped copy for staff."""
    digest = hashlib.sha256(content).hexdigest()
    attachment = Attachment(
        case=case,
        source=source,
        original_name=original_name[:200],
        content_type=kind.content_type,
        size=len(content),
        sha256=digest,
        duration_seconds=duration_seconds,
        transcript_status=transcript_status,
    )
    attachment.original_file.save(
        f"{digest[:24]}.{kind.extension}.enc", ContentFile(fernet().encrypt(content)), save=False
    )
    display = stripped_copy(content, kind)
    if display is not None:
        extension = "jpg" if kind.content_type == "image/jpeg" else "png"
        attachment.display_file.save(f"{digest[:24]}.{extension}", ContentFile(display), save=False)
    attachment.save()
    return attachment
