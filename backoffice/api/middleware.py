"""Refuse text no database can store before any view or query runs.

Every request is read once for NUL characters and lone surrogates (`core.text`): the path,
the query parameters, the headers and cookies, form fields and uploaded file names, and
every string and key of a JSON body. The first one found is named as the field at fault:
under /api/ a 422 `validation_error` with the one error body (`fields` keyed like
pydantic's: `lines.0.memo`), elsewhere the 400 error page. The middleware sits before the
session and authentication middleware, so not even a session lookup sees the text.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, QueryDict
from django.http.multipartparser import MultiPartParserError
from django.http.request import RawPostDataException
from django.shortcuts import render
from django.template import TemplateDoesNotExist

from backoffice.api.errors import error_response
from backoffice.core.errors import field_label
from backoffice.core.text import JSON_SUSPECT, first_bad_json, first_bad_pair, text_problem

Found = tuple[str, str] | None


def _every(data: QueryDict) -> Iterable[tuple[str, str]]:
    """Each (name, value) of a query or form, every value of a repeated name."""
    for name, values in data.lists():
        for value in values:
            yield name, value


def _headers(request: HttpRequest) -> Iterable[tuple[str, str]]:
    yield from request.headers.items()
    yield from request.COOKIES.items()


def _form(request: HttpRequest) -> Found:
    """Form fields and file names; a body that will not parse is left to the view."""
    try:
        found = first_bad_pair(_every(request.POST))
        names = ((name, f.name or "") for name, files in request.FILES.lists() for f in files)
        return found or first_bad_pair(names)
    except (MultiPartParserError, SuspiciousOperation, RequestDataTooBig):
        for attr in ("_post", "_files"):  # let the view parse again and report it
            if hasattr(request, attr):
                delattr(request, attr)
        return None


def _json(request: HttpRequest) -> Found:
    """A body's JSON strings and keys; bodies that are no JSON are left to the view."""
    try:
        body = request.body
    except (RequestDataTooBig, RawPostDataException):
        return None
    if not JSON_SUSPECT.search(body):
        return None
    try:
        data: Any = json.loads(body)
    except ValueError:
        return None  # the view reports malformed JSON
    return first_bad_json(data)


def find_bad_text(request: HttpRequest) -> Found:
    """The first (field, problem) of the request, or None when all its text is storable."""
    problem = text_problem(request.path)
    if problem:
        return "path", problem
    found = first_bad_pair(_every(request.GET)) or first_bad_pair(_headers(request))
    if found or request.method in ("GET", "HEAD", "OPTIONS"):
        return found
    if request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        return _form(request)
    # any other body may be read as JSON (the API parses JSON whatever its content type)
    return _json(request)


class InputTextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        found = find_bad_text(request)
        if found is None:
            return self.get_response(request)
        field, problem = found
        if request.path.startswith("/api/"):
            return error_response(422, "The request has invalid fields.", fields={field: [problem]})
        message = f"The field “{field_label(field)}” {problem}. Correct it and send it again."
        try:
            return render(
                request, "web/error.html", {"status": 400, "message": message}, status=400
            )
        except TemplateDoesNotExist:
            return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
