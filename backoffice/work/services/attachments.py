"""Files on an item: size and type checked (by extension and, for binary types, by the
file's first bytes) before Django storage keeps them."""

from __future__ import annotations

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from backoffice.core.errors import DomainError
from backoffice.tenancy.models import User
from backoffice.work import events
from backoffice.work.error_codes import ErrorCode
from backoffice.work.models import Attachment, WorkItem

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
ATTACHMENT_TYPES = {
    "application/pdf": (".pdf",),
    "image/png": (".png",),
    "image/jpeg": (".jpg", ".jpeg"),
    "image/tiff": (".tif", ".tiff"),
    "text/plain": (".txt",),
    "text/csv": (".csv",),
    "message/rfc822": (".eml",),
    "audio/mpeg": (".mp3",),
    "audio/wav": (".wav",),
    "audio/x-wav": (".wav",),
}
_MAGIC = {
    "application/pdf": (b"%PDF",),
    "image/png": (b"\x89PNG",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/tiff": (b"II*\x00", b"MM\x00*"),
}


def add_attachment(*, item: WorkItem, actor: User, upload: UploadedFile) -> Attachment:
    """Store a file on the item after checking its size and type (extension and header)."""
    name = (upload.name or "file").rsplit("/", 1)[-1][:200]
    size = upload.size or 0
    if size > MAX_ATTACHMENT_BYTES:
        raise DomainError(
            f"The file is larger than {MAX_ATTACHMENT_BYTES // (1024 * 1024)} MB.",
            code=ErrorCode.ATTACHMENT_TOO_LARGE,
            fields={"file": [f"{size} bytes is too large"]},
        )
    if size == 0:
        raise DomainError(
            "The file is empty.", code=ErrorCode.ATTACHMENT_EMPTY, fields={"file": ["empty"]}
        )
    content_type = (upload.content_type or "").split(";")[0].strip().lower()
    allowed = ATTACHMENT_TYPES.get(content_type)
    if allowed is None or not name.lower().endswith(allowed) or not sniff_ok(upload, content_type):
        raise DomainError(
            "This type of file is not accepted.",
            code=ErrorCode.ATTACHMENT_TYPE,
            fields={"file": [f"{content_type or 'unknown type'} ({name}) is not accepted"]},
        )
    with transaction.atomic():
        attachment = Attachment(
            tenant_id=item.tenant_id,
            item=item,
            name=name,
            content_type=content_type,
            size=size,
            uploaded_by=actor,
        )
        attachment.file.save(name, upload, save=False)
        attachment.save()
        events.record(
            tenant=item.tenant_id, actor=actor, event=events.attachment_added_event(attachment)
        )
    return attachment


def sniff_ok(upload: UploadedFile, content_type: str) -> bool:
    """The file starts the way its declared type does (binary types only)."""
    magic = _MAGIC.get(content_type)
    if magic is None:
        return True
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    return head.startswith(magic)
