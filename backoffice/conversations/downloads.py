"""A message's file as a download, for the pages and the API alike."""

from __future__ import annotations

from django.http import HttpResponse
from django.utils.http import content_disposition_header

from backoffice.conversations.models import MessageAttachment


def file_download(found: MessageAttachment) -> HttpResponse:
    """The whole file in one response (files are at most 10 MB), saved under its own name;
    `nosniff` keeps a browser from reading it as anything but its checked type."""
    with found.file.open("rb") as handle:
        content = handle.read()
    response = HttpResponse(content, content_type=found.content_type)
    response["Content-Disposition"] = content_disposition_header(True, found.name)
    response["X-Content-Type-Options"] = "nosniff"
    return response
