"""Per-request context that services may read (the request id for audit events)."""

from contextvars import ContextVar

request_id_var: ContextVar[str] = ContextVar("request_id", default="")
