"""A request's sample is refused in the portal's words and code when the shared upload
check (work's `check_upload`) refuses it: too large, empty, or of a type not accepted."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from backoffice.core.errors import DomainError
from backoffice.portal.projects.services.samples import check_sample
from backoffice.work.services.attachments import MAX_ATTACHMENT_BYTES


def _refusal(upload) -> DomainError:
    with pytest.raises(DomainError) as refused:
        check_sample(upload)
    return refused.value


def test_an_oversize_sample_is_refused_in_words():
    big = SimpleUploadedFile("big.pdf", b"%PDF-1.4", content_type="application/pdf")
    big.size = MAX_ATTACHMENT_BYTES + 1
    error = _refusal(big)
    assert (error.status, error.code) == (400, "invalid_attachment")
    assert error.message == "big.pdf is larger than 10 MB."
    assert error.fields == {"file": ["big.pdf is larger than 10 MB"]}


def test_empty_and_disallowed_samples_are_refused_in_words():
    empty = _refusal(SimpleUploadedFile("notes.txt", b"", content_type="text/plain"))
    assert (empty.code, empty.message) == ("invalid_attachment", "notes.txt is empty.")
    exe = _refusal(SimpleUploadedFile("setup.exe", b"MZ", content_type="application/x-msdownload"))
    assert exe.code == "invalid_attachment"
    assert exe.message.startswith("setup.exe: this type of file is not accepted (PDF, PNG")


def test_an_accepted_sample_passes():
    pdf = SimpleUploadedFile("brief.pdf", b"%PDF-1.7 x", content_type="application/pdf")
    assert check_sample(pdf) == ("brief.pdf", "application/pdf", 10)
