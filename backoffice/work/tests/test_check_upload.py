"""The one check of an uploaded file (`work.services.attachments.check_upload`) that items,
conversation messages and request samples share: what passes, and the reason each refusal
carries for the caller to word."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from backoffice.core.errors import DomainError
from backoffice.work.services.attachments import (
    MAX_ATTACHMENT_BYTES,
    UploadProblem,
    check_upload,
)

PDF = b"%PDF-1.7\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 8


def _file(name: str, content: bytes, content_type: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def test_an_accepted_file_gives_its_name_type_and_size():
    assert check_upload(_file("scan.pdf", PDF, "application/pdf")) == (
        "scan.pdf",
        "application/pdf",
        15,
    )
    # a folder sent by the browser (either slash) is dropped; parameters and case too
    named = _file("C:\\Users\\ann\\Notes.TXT", b"hello", "Text/Plain; charset=utf-8")
    assert check_upload(named) == ("Notes.TXT", "text/plain", 5)
    # the check reads the first bytes and puts the file back at its start
    png = _file("logo.png", PNG, "image/png")
    check_upload(png)
    assert png.read(4) == b"\x89PNG"


@pytest.mark.parametrize(
    ("upload", "reason"),
    [
        (_file("a.exe", b"MZ\x90\x00", "application/octet-stream"), UploadProblem.TYPE),
        (_file("a.txt", PDF, "application/pdf"), UploadProblem.TYPE),  # name not the type's
        (_file("a.pdf", b"MZ\x90\x00", "application/pdf"), UploadProblem.TYPE),  # bytes lie
        (_file("a.png", PDF, "image/png"), UploadProblem.TYPE),
        (_file("a.pdf", PDF, ""), UploadProblem.TYPE),  # no declared type
        (_file("a.txt", b"", "text/plain"), UploadProblem.EMPTY),
    ],
)
def test_refusals_carry_their_reason_and_what_was_sent(upload, reason):
    with pytest.raises(UploadProblem) as refused:
        check_upload(upload)
    problem = refused.value
    assert problem.reason == reason
    assert problem.name == upload.name and problem.size == upload.size


def test_a_file_one_byte_over_the_limit_is_too_large_and_at_the_limit_is_not():
    at_limit = _file("big.txt", b"x", "text/plain")
    at_limit.size = MAX_ATTACHMENT_BYTES
    assert check_upload(at_limit)[2] == MAX_ATTACHMENT_BYTES
    over = _file("big.txt", b"x", "text/plain")
    over.size = MAX_ATTACHMENT_BYTES + 1
    with pytest.raises(UploadProblem) as refused:
        check_upload(over)
    assert refused.value.reason == UploadProblem.TOO_LARGE


def test_uncaught_it_is_the_work_apps_refusal_in_words():
    with pytest.raises(DomainError) as refused:
        check_upload(_file("a.exe", b"MZ", "application/octet-stream"))
    error = refused.value
    assert (error.status, error.code) == (400, "attachment_type")
    assert error.message == "This type of file is not accepted."
    assert error.fields == {"file": ["application/octet-stream (a.exe) is not accepted"]}
