"""Tenant scoping for tenant-owned models.

A query on a tenant-owned model must say whose data it reads: `.for_tenant(t)` (or
`.for_tenants([...])` for provider staff who serve several clients). Evaluating a query
that did neither raises `UnscopedQueryError`, so a forgotten filter fails loudly in tests
instead of leaking rows. `.unscoped(reason)` is the explicit, greppable escape hatch for
system work (audit verification, migrations, benchmarks).

Querysets built by a related manager (`entry.lines.all()`) count as scoped: they are
filtered by a parent row that was itself read through a scoped query.
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, Self

from django.db import models

if TYPE_CHECKING:
    from backoffice.tenancy.models import Organization

_allow_unscoped: ContextVar[bool] = ContextVar("allow_unscoped", default=False)


class UnscopedQueryError(RuntimeError):
    """A tenant-owned model was queried without naming the tenant."""


@contextmanager
def unscoped_queries():
    """Allow unscoped reads for system code in this block (e.g. Django's unique checks)."""
    token = _allow_unscoped.set(True)
    try:
        yield
    finally:
        _allow_unscoped.reset(token)


class TenantQuerySet(models.QuerySet):
    _scoped: bool = False

    def for_tenant(self, tenant: Organization | int) -> Self:
        tenant_id = tenant if isinstance(tenant, int) else tenant.pk
        qs = self.filter(tenant_id=tenant_id)
        qs._scoped = True
        return qs

    def for_tenants(self, tenants: Iterable[Organization | int]) -> Self:
        ids = [t if isinstance(t, int) else t.pk for t in tenants]
        qs = self.filter(tenant_id__in=ids)
        qs._scoped = True
        return qs

    def unscoped(self, reason: str) -> Self:
        """Read across tenants on purpose; `reason` documents why at the call site."""
        assert reason, "say why this query may cross tenants"
        qs = self._chain()  # type: ignore[attr-defined]
        qs._scoped = True
        return qs

    def _clone(self) -> Self:
        clone = super()._clone()  # type: ignore[misc]
        clone._scoped = self._scoped
        return clone

    def _check_scoped(self) -> None:
        hints = getattr(self, "_hints", {})
        if self._scoped or _allow_unscoped.get() or hints.get("instance") is not None:
            return
        raise UnscopedQueryError(
            f"{self.model.__name__} is tenant-owned: call .for_tenant(tenant) before "
            "evaluating the query (or .unscoped(reason) for system work)."
        )

    def _fetch_all(self) -> None:
        if self._result_cache is None:
            self._check_scoped()
        super()._fetch_all()  # type: ignore[misc]

    def iterator(self, chunk_size: int | None = None) -> Any:
        self._check_scoped()
        return super().iterator(chunk_size=chunk_size)

    def count(self) -> int:
        if self._result_cache is None:
            self._check_scoped()
        return super().count()

    def exists(self) -> bool:
        if self._result_cache is None:
            self._check_scoped()
        return super().exists()

    def aggregate(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        self._check_scoped()
        return super().aggregate(*args, **kwargs)

    def update(self, **kwargs: Any) -> int:
        self._check_scoped()
        return super().update(**kwargs)

    def delete(self) -> tuple[int, dict[str, int]]:
        self._check_scoped()
        return super().delete()

    def in_bulk(self, *args: Any, **kwargs: Any) -> Any:
        self._check_scoped()
        return super().in_bulk(*args, **kwargs)


class TenantManager(models.Manager.from_queryset(TenantQuerySet)):  # type: ignore[misc]
    pass


def trigger_checked_tenant() -> Any:
    """The `tenant` field of a table whose references a statement trigger checks on
    PostgreSQL instead of a per-row foreign key (decision 0005): no constraint, and no index
    of its own (each such table leads a composite index with the tenant)."""
    return models.ForeignKey(
        "tenancy.Organization",
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )


class TenantOwned(models.Model):
    """Base for every client-owned row: a non-null tenant and a scoped default manager."""

    tenant = models.ForeignKey(
        "tenancy.Organization", on_delete=models.PROTECT, related_name="+", db_index=True
    )

    objects = TenantManager()

    class Meta:
        abstract = True

    def validate_unique(self, exclude: Any = None) -> None:
        with unscoped_queries():
            super().validate_unique(exclude=exclude)

    def validate_constraints(self, exclude: Any = None) -> None:
        with unscoped_queries():
            super().validate_constraints(exclude=exclude)
