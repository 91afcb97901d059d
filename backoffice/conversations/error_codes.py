"""Every error code conversations gives its callers (`{"error": {"code": ...}}` in the API).

The values are API: clients branch on them, so they never change. An error raised without
one of these carries its class's code from `core.errors` (`invalid`, `not_found`,
`conflict`, `forbidden`).
"""

from enum import StrEnum


class ErrorCode(StrEnum):
    EMPTY_MESSAGE = "empty_message"
    MESSAGE_TOO_LONG = "message_too_long"
    UNKNOWN_SUBJECT = "unknown_subject"
    INVALID_SUBJECT_KIND = "invalid_subject_kind"
    INVALID_VIA = "invalid_via"
    CANNOT_SEE_THREAD = "cannot_see_thread"
    CANNOT_POST = "cannot_post"
    CANNOT_WRITE_NOTES = "cannot_write_notes"
    NOTE_NO_FILES = "note_no_files"
    NOTE_NOT_BY_EMAIL = "note_not_by_email"
    TOO_MANY_FILES = "too_many_files"
    ATTACHMENT_TOO_LARGE = "attachment_too_large"
    ATTACHMENT_EMPTY = "attachment_empty"
    ATTACHMENT_TYPE = "attachment_type"
