"""Every error code conversations gives its callers (`{"error": {"code": ...}}` in the API).

The values are API: clients branch on them, so they never change. An error raised without
one of these carries its class's code from `core.errors` (`invalid`, `not_found`,
`conflict`, `forbidden`).
"""

from enum import StrEnum


class ErrorCode(StrEnum):
    # a message or note without text, or longer than 20,000 characters
    EMPTY_MESSAGE = "empty_message"
    MESSAGE_TOO_LONG = "message_too_long"
    # a thread's subject that does not exist in that client (or is another client's)
    UNKNOWN_SUBJECT = "unknown_subject"
    # a subject kind other than item, batch, engagement, account or request
    INVALID_SUBJECT_KIND = "invalid_subject_kind"
    # a message's channel other than web, api or email
    INVALID_VIA = "invalid_via"
    # the person may not see, post in, or write notes in this client's conversations
    CANNOT_SEE_THREAD = "cannot_see_thread"
    CANNOT_POST = "cannot_post"
    CANNOT_WRITE_NOTES = "cannot_write_notes"
    # internal notes take no files
    NOTE_NO_FILES = "note_no_files"
    # a message's files: more than 10, too large, empty, or of a type not accepted
    TOO_MANY_FILES = "too_many_files"
    ATTACHMENT_TOO_LARGE = "attachment_too_large"
    ATTACHMENT_EMPTY = "attachment_empty"
    ATTACHMENT_TYPE = "attachment_type"
