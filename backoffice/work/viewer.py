"""What the workbench's viewer shows of an item's files (decision 0010).

PDF pages and TIFF frames are rendered to PNG on the server (pypdfium2, Pillow) and served
through the item's scoped file view, so the browser needs no PDF engine and a page is seen only
by people who may see the item. PNG and JPEG are shown as they are; text and e-mail (.eml) as
text. A file that cannot be read says so instead of failing the page.
"""

from __future__ import annotations

import email
import email.policy
import io
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

from django.utils.html import strip_tags

from backoffice.work.models import Attachment

# Longest side of a rendered page, in pixels: sharp at 2x zoom on a laptop, a few hundred KB.
SIZES = {"thumb": 180, "page": 1600}
MAX_TEXT = 200_000
PAGED = ("application/pdf", "image/tiff")
_IMAGES = ("image/png", "image/jpeg")
_TEXT = ("text/plain", "text/csv")


@dataclass(frozen=True)
class Source:
    """One file as the viewer shows it: `kind` is pages (rendered), image, text, email,
    broken (could not be read) or other (download only)."""

    attachment: Attachment
    kind: str
    pages: int = 1
    text: str = ""
    headers: tuple[tuple[str, str], ...] = ()
    inner: tuple[str, ...] = ()
    problem: str = ""

    @property
    def page_numbers(self) -> range:
        return range(1, self.pages + 1)


def sources(attachments: list[Attachment]) -> list[Source]:
    """The item's files in the viewer's terms, viewable ones first (the first is opened)."""
    out = [source_of(a) for a in attachments]
    rank = {"pages": 0, "image": 0, "email": 1, "text": 1, "broken": 2, "other": 3}
    return sorted(out, key=lambda s: rank[s.kind])


def source_of(attachment: Attachment) -> Source:
    content_type = attachment.content_type
    try:
        if content_type in PAGED:
            return Source(attachment, "pages", pages=page_count(attachment))
        if content_type in _IMAGES:
            return Source(attachment, "image")
        if content_type == "message/rfc822" or attachment.name.lower().endswith(".eml"):
            return _email(attachment)
        if content_type in _TEXT:
            text = _read(attachment)[:MAX_TEXT].decode("utf-8", errors="replace")
            return Source(attachment, "text", text=text)
    except Exception:  # a damaged upload must not take the item page down
        return Source(attachment, "broken", problem="This file could not be read. Download it.")
    return Source(attachment, "other")


def _read(attachment: Attachment) -> bytes:
    attachment.file.open("rb")
    try:
        return attachment.file.read()
    finally:
        attachment.file.close()


def page_count(attachment: Attachment) -> int:
    data = _read(attachment)
    if attachment.content_type == "application/pdf":
        import pypdfium2

        document = pypdfium2.PdfDocument(data)
        try:
            return len(document)
        finally:
            document.close()
    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        return int(getattr(image, "n_frames", 1))


def render_page(attachment: Attachment, page: int, size: str) -> bytes | None:
    """Page `page` (from 1) of a PDF or TIFF as PNG, its longest side `SIZES[size]` pixels;
    None when the file has no such page or cannot be read."""
    from PIL import Image

    longest = SIZES.get(size, SIZES["page"])
    data = _read(attachment)
    try:
        if attachment.content_type == "application/pdf":
            image = _pdf_page(data, page, longest)
        else:
            image = _tiff_frame(Image.open(io.BytesIO(data)), page)
    except Exception:
        return None
    if image is None:
        return None
    image.thumbnail((longest, longest))
    out = io.BytesIO()
    image.convert("RGB").save(out, format="PNG", optimize=size == "thumb")
    return out.getvalue()


def _pdf_page(data: bytes, page: int, longest: int) -> Any:
    import pypdfium2

    document = pypdfium2.PdfDocument(data)
    try:
        if not 1 <= page <= len(document):
            return None
        pdf_page = document[page - 1]
        width, height = pdf_page.get_size()
        scale = min(longest / max(width, height, 1), 4.0)
        return pdf_page.render(scale=scale, may_draw_forms=True).to_pil()
    finally:
        document.close()


def _tiff_frame(image: Any, page: int) -> Any:
    if not 1 <= page <= getattr(image, "n_frames", 1):
        return None
    image.seek(page - 1)
    return image.copy()


def _email(attachment: Attachment) -> Source:
    message = email.message_from_bytes(_read(attachment), policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    headers = tuple(
        (name, str(message[name]))
        for name in ("From", "To", "Cc", "Date", "Subject")
        if message[name]
    )
    body = message.get_body(preferencelist=("plain", "html"))
    text = ""
    if body is not None:
        text = body.get_content()
        if body.get_content_type() == "text/html":
            text = strip_tags(text)
    inner = tuple(part.get_filename() or "file" for part in message.iter_attachments())
    return Source(attachment, "email", text=text[:MAX_TEXT], headers=headers, inner=inner)
