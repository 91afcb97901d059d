"""Page-number pagination with one envelope: items, count, page, pages."""

from typing import Any

from django.db.models import QuerySet
from ninja import Field, Schema
from ninja.pagination import PaginationBase


class Page(PaginationBase):
    class Input(Schema):
        page: int = Field(1, ge=1, le=10_000_000)
        page_size: int = Field(50, ge=1, le=500)

    class Output(Schema):
        items: list[Any]
        count: int
        page: int
        pages: int

    items_attribute = "items"

    def paginate_queryset(  # type: ignore[override]
        self, queryset: QuerySet | list, pagination: Input, **params: Any
    ) -> dict[str, Any]:
        count = queryset.count() if isinstance(queryset, QuerySet) else len(queryset)
        start = (pagination.page - 1) * pagination.page_size
        return {
            "items": list(queryset[start : start + pagination.page_size]),
            "count": count,
            "page": pagination.page,
            "pages": max(1, -(-count // pagination.page_size)),
        }
