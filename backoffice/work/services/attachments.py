"""Files on an item: size and type checked (by extension and, for binary types, by the
file's first bytes) before Django storage keeps them. `check_upload` is that check for
every app that takes files (conversations' message files, the portal's request samples)."""

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


class UploadProblem(DomainError):
    """A file refused by `check_upload`: `reason` is TOO_LARGE, EMPTY or TYPE; `name`,
    `size` and `content_type` say what was sent, `limit_mb` the size limit in MB. Each app
    that takes files catches it and words it for its own pages and API (its own message,
    field and error code); uncaught, it is the work app's refusal of an item's file (a
    400, in words)."""

    TOO_LARGE, EMPTY, TYPE = "too_large", "empty", "type"
    _WORDS = {
        TOO_LARGE: ("The file is larger than {limit_mb} MB.", ErrorCode.ATTACHMENT_TOO_LARGE),
        EMPTY: ("The file is empty.", ErrorCode.ATTACHMENT_EMPTY),
        TYPE: ("This type of file is not accepted.", ErrorCode.ATTACHMENT_TYPE),
    }

    def __init__(self, reason: str, *, name: str, size: int, content_type: str) -> None:
        self.limit_mb = MAX_ATTACHMENT_BYTES // (1024 * 1024)
        message, code = self._WORDS[reason]
        message = message.format(limit_mb=self.limit_mb)
        detail = {
            self.TOO_LARGE: f"{size} bytes is too large",
            self.EMPTY: "empty",
            self.TYPE: f"{content_type or 'unknown type'} ({name}) is not accepted",
        }[reason]
        super().__init__(message, code=code, fields={"file": [detail]})
        self.reason, self.name, self.size, self.content_type = reason, name, size, content_type


def upload_name(upload: UploadedFile) -> str:
    """The file's own name, without any folder a browser sent (either slash), 200 at most."""
    return (getattr(upload, "name", None) or "file").replace("\\", "/").rsplit("/", 1)[-1][:200]


def upload_type(upload: UploadedFile) -> str:
    """The declared media type, lower case, without parameters (`; charset=…`)."""
    return (getattr(upload, "content_type", None) or "").split(";")[0].strip().lower()


def check_upload(upload: UploadedFile) -> tuple[str, str, int]:
    """The one check of an uploaded file for every app that takes files (items, messages,
    request samples): its name, media type and size, or `UploadProblem`. Refused: larger
    than MAX_ATTACHMENT_BYTES, empty, a type not in ATTACHMENT_TYPES, a name whose
    extension is not the type's, a binary type whose first bytes are not that type's."""
    name, content_type, size = upload_name(upload), upload_type(upload), upload.size or 0
    reason = ""
    if size > MAX_ATTACHMENT_BYTES:
        reason = UploadProblem.TOO_LARGE
    elif size == 0:
        reason = UploadProblem.EMPTY
    else:
        allowed = ATTACHMENT_TYPES.get(content_type)
        if not allowed or not name.lower().endswith(allowed) or not sniff_ok(upload, content_type):
            reason = UploadProblem.TYPE
    if reason:
        raise UploadProblem(reason, name=name, size=size, content_type=content_type)
    return name, content_type, size


def add_attachment(*, item: WorkItem, actor: User, upload: UploadedFile) -> Attachment:
    """Store a file on the item after checking its size and type (extension and header)."""
    name, content_type, size = check_upload(upload)
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
