"""One error body for every API failure: {"error": {"code", "message", "fields"}}.

The codes this module and the API's plumbing give are `ErrorCode`, each with its one HTTP
status in `STATUS`; the apps' own codes are in their `error_codes.py`, the plain domain
codes (`invalid`, `not_found`, `forbidden`, `conflict`) in `core/errors.py`. docs/api.md
lists them all, rendered by `backoffice.api.error_catalog`.
"""

from enum import StrEnum
from typing import Any

import structlog
from django.core.exceptions import (
    ObjectDoesNotExist,
    PermissionDenied,
    RequestDataTooBig,
    SuspiciousOperation,
)
from django.db import DataError, IntegrityError, InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from ninja import Field, NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError

from backoffice.core.errors import DomainError

log = structlog.get_logger("backoffice.api")


class ErrorCode(StrEnum):
    # the request could not be read: no `X-Tenant` with the browser session, a bad header
    BAD_REQUEST = "bad_request"
    # the body is not JSON
    MALFORMED_JSON = "malformed_json"
    # a multipart body that cannot be parsed (e.g. no boundary)
    MALFORMED_BODY = "malformed_body"
    # the database refused a value; nothing was written
    INVALID_DATA = "invalid_data"
    # a missing, malformed, unknown, expired or revoked API token
    UNAUTHORIZED = "unauthorized"
    # the role lacks the permission, or the token is scoped to another tenant
    FORBIDDEN = "forbidden"
    # a browser-session call without the CSRF token
    CSRF_FAILED = "csrf_failed"
    # no such path or object; another tenant's ids look the same
    NOT_FOUND = "not_found"
    # the path exists, the method does not
    METHOD_NOT_ALLOWED = "method_not_allowed"
    # the request conflicts with the state it found
    CONFLICT = "conflict"
    # an `Idempotency-Key` already used with another request
    IDEMPOTENCY_KEY_REUSED = "idempotency_key_reused"
    # the body is over the size limit
    TOO_LARGE = "too_large"
    # a body in a content type the operation does not read
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"
    # a field has the wrong type, form or range; `fields` names each
    VALIDATION_ERROR = "validation_error"
    # too many attempts (sign-in lockout)
    THROTTLED = "throttled"
    # a bug: logged with the request id
    SERVER_ERROR = "server_error"


STATUS: dict[ErrorCode, int] = {
    ErrorCode.BAD_REQUEST: 400,
    ErrorCode.MALFORMED_JSON: 400,
    ErrorCode.MALFORMED_BODY: 400,
    ErrorCode.INVALID_DATA: 400,
    ErrorCode.UNAUTHORIZED: 401,
    ErrorCode.FORBIDDEN: 403,
    ErrorCode.CSRF_FAILED: 403,
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.METHOD_NOT_ALLOWED: 405,
    ErrorCode.CONFLICT: 409,
    ErrorCode.IDEMPOTENCY_KEY_REUSED: 409,
    ErrorCode.TOO_LARGE: 413,
    ErrorCode.UNSUPPORTED_MEDIA_TYPE: 415,
    ErrorCode.VALIDATION_ERROR: 422,
    ErrorCode.THROTTLED: 429,
    ErrorCode.SERVER_ERROR: 500,
}

# The code an error of a status gets when nothing more specific is known.
_CODES: dict[int, str] = {
    400: ErrorCode.BAD_REQUEST,
    401: ErrorCode.UNAUTHORIZED,
    403: ErrorCode.FORBIDDEN,
    404: ErrorCode.NOT_FOUND,
    405: ErrorCode.METHOD_NOT_ALLOWED,
    409: ErrorCode.CONFLICT,
    413: ErrorCode.TOO_LARGE,
    415: ErrorCode.UNSUPPORTED_MEDIA_TYPE,
    422: ErrorCode.VALIDATION_ERROR,
    429: ErrorCode.THROTTLED,
}


class ErrorRow(Schema):
    """One row a batch refused (work intake's `intake_rejected` lists them under `rows`)."""

    row: int
    field: str
    message: str


class ErrorDetail(Schema):
    code: str = Field(..., description="Stable and machine-readable; docs/api.md lists them")
    message: str = Field(..., description="For people; may change")
    fields: dict[str, list[str | ErrorRow]] = Field(
        ...,
        description=(
            "Messages by field path (`lines[0].amount`); empty if no field is at fault. "
            "A refused batch lists its rows under `rows`, each {row, field, message}."
        ),
    )


class Error(Schema):
    """The body of every 4xx and 5xx answer of the API."""

    error: ErrorDetail


def error_body(code: str, message: str, fields: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


def error_response(
    status: int, message: str, *, code: str | None = None, fields: dict[str, Any] | None = None
) -> JsonResponse:
    return JsonResponse(
        error_body(code or _CODES.get(status, "error"), message, fields), status=status
    )


def _validation_fields(errors: list[dict[str, Any]]) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    for err in errors:
        loc = [str(p) for p in err.get("loc", [])]
        if loc and loc[0] in {"body", "query", "path", "header", "form", "cookie", "file"}:
            loc = loc[1:]
        if loc and loc[0] in {"payload", "data", "body"} and len(loc) > 1:
            loc = loc[1:]
        fields.setdefault(".".join(loc) or "__all__", []).append(err.get("msg", "invalid"))
    return fields


def install_error_handlers(api: NinjaAPI) -> None:
    @api.exception_handler(DomainError)
    def domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
        return error_response(exc.status, exc.message, code=exc.code, fields=exc.fields)

    @api.exception_handler(ValidationError)
    def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        return error_response(
            422, "The request has invalid fields.", fields=_validation_fields(exc.errors)
        )

    @api.exception_handler(AuthenticationError)
    def authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        message = exc.message if exc.message != "Unauthorized" else "Authentication required."
        return error_response(401, message)

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        code = ErrorCode.MALFORMED_JSON if "parse request body" in exc.message else None
        return error_response(exc.status_code, exc.message, code=code)

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
        return error_response(404, "Not found.")

    @api.exception_handler(ObjectDoesNotExist)
    def does_not_exist(request: HttpRequest, exc: Exception) -> HttpResponse:
        return error_response(404, "Not found.")

    @api.exception_handler(PermissionDenied)
    def permission_denied(request: HttpRequest, exc: Exception) -> HttpResponse:
        return error_response(403, str(exc) or "Forbidden.")

    @api.exception_handler(MultiPartParserError)
    def bad_multipart(request: HttpRequest, exc: Exception) -> HttpResponse:
        return error_response(
            400, f"Malformed multipart body: {exc}", code=ErrorCode.MALFORMED_BODY
        )

    @api.exception_handler(RequestDataTooBig)
    def too_big(request: HttpRequest, exc: Exception) -> HttpResponse:
        return error_response(413, "The request body is too large.")

    @api.exception_handler(SuspiciousOperation)
    def suspicious(request: HttpRequest, exc: Exception) -> HttpResponse:
        return error_response(400, "Bad request.")

    @api.exception_handler(DataError)
    def data_error(request: HttpRequest, exc: Exception) -> HttpResponse:
        """Backstop: the database refused a value (e.g. a NUL character); nothing was written."""
        log.warning("api.data_error", error=repr(exc))
        return error_response(
            400, "A value was refused by the database.", code=ErrorCode.INVALID_DATA
        )

    @api.exception_handler(IntegrityError)
    def integrity_error(request: HttpRequest, exc: Exception) -> HttpResponse:
        """Backstop: a database constraint refused the write (a rule the service should have
        named first, or a race two requests ran); the transaction rolled back."""
        log.warning("api.integrity_error", error=repr(exc))
        return error_response(
            409,
            "The request breaks a rule of the stored data; nothing was written.",
            code=ErrorCode.CONFLICT,
        )

    @api.exception_handler(Exception)
    def server_error(request: HttpRequest, exc: Exception) -> HttpResponse:
        if isinstance(exc, OperationalError | InterfaceError):
            # The database is away (restarting, failing over): 503 and "try again".
            from backoffice.core.middleware import unavailable_response

            log.warning("api.database_unavailable", error=repr(exc))
            return unavailable_response(request)
        log.exception("api.unhandled", error=repr(exc))
        return error_response(
            500, "Internal error; it has been logged.", code=ErrorCode.SERVER_ERROR
        )
