"""Parties: list, import from CSV, read, create, edit."""

from typing import Any

from django.http import HttpRequest
from ninja import File, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from backoffice.api.idempotency import run_idempotent
from backoffice.api.pagination import Page
from backoffice.commerce import imports, selectors, services
from backoffice.commerce.api._common import allowed, arguments, caller, create, router
from backoffice.commerce.api.schemas import ImportOut, PartyIn, PartyOut, PartyPatch
from backoffice.commerce.api.shapes import party_out
from backoffice.tenancy.roles import Perm


@router.get("/parties", response=list[PartyOut])
@paginate(Page)
def list_parties(request: HttpRequest, search: str = "", role: str = "") -> Any:
    a = allowed(request, Perm.VIEW_COMMERCE)
    return selectors.parties(a.tenant, search=search, role=role)


@router.post("/parties/import", response={200: ImportOut, 201: ImportOut})
def import_parties(request: HttpRequest, file: File[UploadedFile]) -> Status:
    """CSV of parties: all rows valid and created (201), or none and a row report (200)."""
    a = allowed(request, Perm.MANAGE_COMMERCE)

    def run() -> tuple[int, dict]:
        text = file.read().decode("utf-8-sig", errors="replace")
        report = imports.import_parties(tenant=a.tenant, actor=a.user, text=text)
        body = {
            "ok": report.ok,
            "created": report.created,
            "rows": [r.__dict__ for r in report.rows],
        }
        return (201 if report.ok else 200), body

    return run_idempotent(request, run)


@router.get("/parties/{party_id}", response=PartyOut)
def get_party(request: HttpRequest, party_id: int) -> dict:
    return party_out(selectors.access_party_by_id(caller(request), party_id))


@router.post("/parties", response={201: PartyOut})
def create_party(request: HttpRequest, payload: PartyIn) -> Status:
    # No currency is the tenant's (the service's default).
    return create(request, services.create_party, party_out, **arguments(payload))


@router.patch("/parties/{party_id}", response=PartyOut)
def update_party(request: HttpRequest, party_id: int, payload: PartyPatch) -> dict:
    a = caller(request)
    selectors.access_party_by_id(a, party_id, perm=Perm.MANAGE_COMMERCE)
    data = {k: v for k, v in payload.model_dump().items() if v is not None}
    return party_out(
        services.update_party(tenant=a.tenant, actor=a.user, party_id=party_id, **data)
    )
