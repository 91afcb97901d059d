"""A client sends work: one item by form or a file of many."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from backoffice.core.errors import DomainError
from backoffice.tenancy.access import tenant_view
from backoffice.tenancy.roles import Perm
from backoffice.tenancy.selectors import TenantAccess
from backoffice.work import intake, services
from backoffice.work.access import (
    access_engagement_by_id,
)
from backoffice.work.models import IntakeBatch
from backoffice.work.schema import coerce, form_fields
from backoffice.work.views._common import page_access, show_error, work_pages, work_url


@tenant_view(Perm.SUBMIT_WORK)
@work_pages
def submit(request: HttpRequest, engagement_id: int) -> HttpResponse:
    """The client sends one item (schema-rendered form) or a file of items."""
    access = page_access(request)
    engagement = access_engagement_by_id(access, engagement_id, to_submit=True)
    values: dict[str, Any] = {}
    report: list[dict[str, Any]] = []
    if request.method == "POST":
        try:
            with transaction.atomic():
                if request.POST.get("_intake") == "file":
                    return _upload(request, access, engagement, report)
                return _submit_one(request, access, engagement, values)
        except DomainError as exc:
            show_error(request, exc)
            rows = exc.fields.get("rows") if exc.fields else None
            report = list(rows or [])
    return render(
        request,
        "work/submit.html",
        {
            "engagement": engagement,
            "fields": form_fields(engagement.input_schema, values),
            "external_ref": request.POST.get("external_ref", ""),
            "report": report,
            "modes": IntakeBatch.Mode.choices,
        },
    )


def _submit_one(
    request: HttpRequest, access: TenantAccess, engagement: Any, values: dict[str, Any]
) -> HttpResponse:
    raw: dict[str, Any] = {}
    for f in form_fields(engagement.input_schema):
        raw[f.name] = (
            ("true" if request.POST.get(f.name) else "")
            if f.widget == "checkbox"
            else request.POST.get(f.name, "")
        )
    data, errors = coerce(engagement.input_schema, raw)
    values.update(data)
    if errors:
        raise DomainError("Some fields could not be read.", fields=errors)
    item, created = services.submit_item(
        engagement=engagement,
        actor=access.user,
        external_ref=request.POST.get("external_ref", "").strip(),
        data=data,
    )
    if created:
        messages.success(request, f"{item.external_ref} received.")
    else:
        messages.info(request, f"{item.external_ref} was already received.")
    return redirect(work_url(request, "item", item_id=item.pk))


def _upload(
    request: HttpRequest, access: TenantAccess, engagement: Any, report: list[dict[str, Any]]
) -> HttpResponse:
    upload = request.FILES.get("file")
    if upload is None:
        raise DomainError("Choose a file to upload.", fields={"file": ["required"]})
    result = intake.import_file(
        engagement=engagement,
        actor=access.user,
        filename=upload.name or "upload",
        content=upload.read(),
        mode=request.POST.get("mode", IntakeBatch.Mode.ALL_OR_NOTHING),
    )
    messages.success(
        request,
        f"{upload.name}: {result.created} new, {result.existing} already received, "
        f"{result.rejected} rejected.",
    )
    if result.errors:
        report.extend(e.as_dict() for e in result.errors[:500])
        return render(
            request,
            "work/submit.html",
            {
                "engagement": engagement,
                "fields": form_fields(engagement.input_schema),
                "report": report,
                "modes": IntakeBatch.Mode.choices,
            },
        )
    return redirect(work_url(request, "items") + f"?engagement={engagement.pk}")


# --- quality: the reviewer's queue and form, the lead's accuracy report --------------------
