"""Work API: the service catalogue, engagements, and a client's intake into them."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import File, Form, Router, Status
from ninja.files import UploadedFile

from backoffice.api.idempotency import run_idempotent
from backoffice.core.errors import Forbidden
from backoffice.core.rls import set_rls_tenants
from backoffice.tenancy.roles import Perm
from backoffice.work import intake, selectors, services
from backoffice.work.access import access_engagement_by_id, access_service_type_by_id
from backoffice.work.api import schemas
from backoffice.work.api.base import access_of, scope
from backoffice.work.api.render import engagement_out, intake_out, item_out, service_type_out
from backoffice.work.models import IntakeBatch

router = Router()


# --- catalogue ---------------------------------------------------------------------------------


@router.get("/service-types", response=list[schemas.ServiceTypeOut])
def list_service_types(request: HttpRequest) -> list[dict]:
    with scope(request, Perm.VIEW_WORK) as access:
        return [service_type_out(st) for st in selectors.service_types(access)]


@router.get("/service-types/{service_type_id}", response=schemas.ServiceTypeOut)
def get_service_type(request: HttpRequest, service_type_id: int) -> dict:
    with scope(request, Perm.VIEW_WORK) as access:
        return service_type_out(access_service_type_by_id(access, service_type_id))


@router.post("/service-types", response={201: schemas.ServiceTypeOut})
def create_service_type(request: HttpRequest, payload: schemas.ServiceTypeIn) -> Any:
    access = access_of(request)
    access.require(Perm.MANAGE_CATALOG)
    if not access.tenant.is_provider:
        raise Forbidden("The service catalogue is the provider's.")
    fields = payload.dict(exclude_none=True, exclude={"code", "template"})

    def create() -> tuple[int, dict]:
        st = services.create_service_type(
            provider=access.tenant,
            actor=access.user,
            code=payload.code,
            template=payload.template,
            **fields,
        )
        return 201, service_type_out(st)

    return run_idempotent(request, create)


# --- engagements -------------------------------------------------------------------------------


@router.get("/engagements", response=list[schemas.EngagementOut])
def list_engagements(request: HttpRequest) -> list[dict]:
    with scope(request, Perm.VIEW_WORK) as access:
        return [engagement_out(e) for e in selectors.engagements(access)]


@router.get("/engagements/{engagement_id}", response=schemas.EngagementOut)
def get_engagement(request: HttpRequest, engagement_id: int) -> dict:
    with scope(request, Perm.VIEW_WORK) as access:
        return engagement_out(access_engagement_by_id(access, engagement_id))


@router.post("/engagements", response={201: schemas.EngagementOut})
def create_engagement(request: HttpRequest, payload: schemas.EngagementIn) -> Any:
    """Provider staff acting in a client's tenant set up that client's engagement."""
    access = access_of(request)
    access.require(Perm.MANAGE_CATALOG)
    services.require_client_tenant(access.tenant)
    terms = services.EngagementTerms(**payload.dict(exclude={"service_type_id", "calendar"}))
    cal = payload.calendar
    calendar = services.CalendarTerms(
        cal.timezone, cal.working_hours, cal.holiday_country, cal.holiday_subdivision, cal.closures
    )

    def create() -> tuple[int, dict]:
        set_rls_tenants([access.tenant.pk, int(access.tenant.provider_id or 0)])
        engagement = services.open_engagement(
            client=access.tenant,
            actor=access.user,
            service_type_id=payload.service_type_id,
            terms=terms,
            calendar=calendar,
        )
        return 201, engagement_out(engagement)

    return run_idempotent(request, create)


# --- intake --------------------------------------------------------------------------------------


@router.post(
    "/engagements/{engagement_id}/items", response={200: schemas.ItemOut, 201: schemas.ItemOut}
)
def submit_item(request: HttpRequest, engagement_id: int, payload: schemas.ItemIn) -> Any:
    """Submit one item. A repeated external_ref returns the existing item with 200."""
    access = access_of(request)
    access.require(Perm.SUBMIT_WORK)

    def create() -> tuple[int, dict]:
        engagement = access_engagement_by_id(access, engagement_id, to_submit=True)
        item, created = services.submit_item(
            engagement=engagement, actor=access.user, **payload.dict()
        )
        return (201 if created else 200), item_out(item)

    return run_idempotent(request, create)


@router.post("/engagements/{engagement_id}/items/bulk", response={201: schemas.IntakeOut})
def submit_items(request: HttpRequest, engagement_id: int, payload: schemas.BulkIn) -> Any:
    access = access_of(request)
    access.require(Perm.SUBMIT_WORK)

    def create() -> tuple[int, dict]:
        engagement = access_engagement_by_id(access, engagement_id, to_submit=True)
        rows = [
            services.ItemInput(i.external_ref, i.data, i.priority, i.skill, i.language)
            for i in payload.items
        ]
        result = services.submit_items(
            engagement=engagement, actor=access.user, rows=rows, mode=payload.mode, source="api"
        )
        return 201, intake_out(result)

    return run_idempotent(request, create)


@router.post("/engagements/{engagement_id}/files", response={201: schemas.IntakeOut})
def upload_file(
    request: HttpRequest,
    engagement_id: int,
    file: File[UploadedFile],
    mode: Form[str] = IntakeBatch.Mode.ALL_OR_NOTHING,
) -> Status[Any]:
    """Upload a CSV, JSONL or XLSX intake file (multipart field `file`)."""
    with scope(request, Perm.SUBMIT_WORK) as access:
        engagement = access_engagement_by_id(access, engagement_id, to_submit=True)
        result = intake.import_file(
            engagement=engagement,
            actor=access.user,
            filename=file.name or "upload",
            content=file.read(),
            mode=mode,
        )
        return Status(201, intake_out(result))
