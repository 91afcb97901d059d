"""Idempotency-Key for create endpoints: one mechanism for every API write.

The first request with a key runs and its response is stored with a hash of the request
in the same transaction. A retry with the same key and body gets the stored response; the
same key with a different body is a 409. A unique (tenant, key) constraint decides races.
"""

import hashlib
import json
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.http.request import RawPostDataException
from ninja import Status
from pydantic_core import to_jsonable_python

from backoffice.api.errors import ErrorCode
from backoffice.api.models import IdempotencyRecord
from backoffice.core.errors import Conflict, DomainError

HEADER = "Idempotency-Key"


class _LostRace(Exception):
    pass


def run_idempotent(request: HttpRequest, operation: Callable[[], tuple[int, Any]]) -> Status[Any]:
    """Run `operation` (returning status, body) at most once per Idempotency-Key.

    Returns a ninja `Status`, so an endpoint can `return run_idempotent(request, create)`.
    """
    status, body = _run(request, operation)
    return Status(status, body)


def request_digest(request: HttpRequest) -> str:
    """What a retry must repeat: the method, the path and the body. A multipart body that
    was parsed before the endpoint ran (an upload) can no longer be read raw; its fields
    and files stand for it."""
    head = f"{request.method} {request.path}\n".encode()
    try:
        body = request.body
    except RawPostDataException:
        body = _form_digest(request)
    return hashlib.sha256(head + body).hexdigest()


def _form_digest(request: HttpRequest) -> bytes:
    form = hashlib.sha256()
    for name, values in sorted(request.POST.lists()):
        form.update(json.dumps(["field", name, values]).encode())
    for name, files in sorted(request.FILES.lists()):
        for upload in files:
            form.update(json.dumps(["file", name, upload.name, upload.size]).encode())
            for chunk in upload.chunks():
                form.update(chunk)
            upload.seek(0)
    return b"multipart " + form.hexdigest().encode()


def _run(request: HttpRequest, operation: Callable[[], tuple[int, Any]]) -> tuple[int, Any]:
    tenant = request.tenant  # type: ignore[attr-defined]  # set by the API's authentication
    key = request.headers.get(HEADER, "").strip()
    if not key:
        with transaction.atomic():
            status, body = operation()
        return status, to_jsonable_python(body)
    if len(key) > 200:
        raise DomainError(
            "Idempotency-Key is at most 200 characters.", fields={HEADER: ["too long"]}
        )
    digest = request_digest(request)

    def replay() -> tuple[int, Any] | None:
        record = IdempotencyRecord.objects.for_tenant(tenant).filter(key=key).first()
        if record is None:
            return None
        if record.request_hash != digest:
            raise Conflict(
                "This Idempotency-Key was used with a different request.",
                code=ErrorCode.IDEMPOTENCY_KEY_REUSED,
                fields={HEADER: ["already used with another body"]},
            )
        return record.status_code, record.response

    stored = replay()
    if stored:
        return stored
    try:
        with transaction.atomic():
            status, body = operation()
            body = to_jsonable_python(body)
            try:
                with transaction.atomic():
                    IdempotencyRecord.objects.create(
                        tenant=tenant,
                        key=key,
                        method=request.method or "",
                        path=request.path[:500],
                        request_hash=digest,
                        status_code=status,
                        response=body,
                    )
            except IntegrityError as exc:
                raise _LostRace from exc
    except _LostRace:
        stored = replay()
        assert stored is not None
        return stored
    return status, body
