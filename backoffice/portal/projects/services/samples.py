"""Sample files on a request: size and type checked by the same rules as files on work
items (`work.services.attachments`: the size limit, the accepted types by extension, and
for binary types the file's first bytes) before Django's storage keeps them."""

from __future__ import annotations

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from backoffice.core.errors import Conflict, DomainError, Forbidden
from backoffice.portal.projects import events, selectors
from backoffice.portal.projects.error_codes import ErrorCode
from backoffice.portal.projects.models import ProjectRequest, RequestSample
from backoffice.portal.projects.services._common import see_both
from backoffice.tenancy.roles import Perm
from backoffice.tenancy.selectors import TenantAccess
from backoffice.work.services.attachments import UploadProblem, check_upload

MAX_SAMPLES = 20
OPEN = (
    ProjectRequest.Status.DRAFT,
    ProjectRequest.Status.SUBMITTED,
    ProjectRequest.Status.QUOTED,
    ProjectRequest.Status.DECLINED,
)


def check_sample(upload: UploadedFile) -> tuple[str, str, int]:
    """The file's name, type and size, or a refusal in words (the work app's check of any
    uploaded file, worded for a request's samples)."""
    try:
        return check_upload(upload)
    except UploadProblem as problem:
        name = problem.name
        if problem.reason == UploadProblem.TOO_LARGE:
            message = f"{name} is larger than {problem.limit_mb} MB."
            field = f"{name} is larger than {problem.limit_mb} MB"
        elif problem.reason == UploadProblem.EMPTY:
            message, field = f"{name} is empty.", "empty"
        else:
            kinds = "PDF, PNG, JPEG, TIFF, text, CSV, e-mail, MP3 or WAV"
            message = f"{name}: this type of file is not accepted ({kinds} are)."
            field = f"{name} is not a {kinds} file"
        raise DomainError(
            message, code=ErrorCode.INVALID_ATTACHMENT, fields={"file": [field]}
        ) from None


def add_sample(*, access: TenantAccess, request_id: int, upload: UploadedFile) -> RequestSample:
    """Attach a sample to an open request of the caller's organization."""
    if access.tenant.is_provider:
        raise Forbidden("Samples are attached by the client.")
    access.require(Perm.REQUEST_PROJECTS)
    name, content_type, size = check_sample(upload)
    with transaction.atomic():
        see_both(access)
        req = selectors.access_request_by_id(access, request_id, for_update=True)
        if req.status not in OPEN:
            raise Conflict(
                f"This request is {req.get_status_display().lower()}: no more samples.",
                code=ErrorCode.REQUEST_NOT_OPEN,
            )
        if selectors.samples(req).count() >= MAX_SAMPLES:
            raise Conflict(
                f"A request takes at most {MAX_SAMPLES} samples.",
                code=ErrorCode.INVALID_ATTACHMENT,
                fields={"file": [f"at most {MAX_SAMPLES} samples"]},
            )
        sample = RequestSample(
            tenant_id=req.tenant_id,
            client_id=req.client_id,
            request=req,
            name=name,
            content_type=content_type,
            size=size,
            uploaded_by=access.user,
        )
        sample.file.save(name, upload, save=False)
        sample.save()
        events.record(tenant=req.tenant_id, actor=access.user, event=events.sample_added(sample))
    return sample
