"""CSV import of parties with a row-level report: all rows valid, or nothing written.

Columns (header row, any order): code, name, is_customer, is_supplier, email, phone,
address_line1, address_line2, city, postal_code, region, country, tax_id,
payment_terms_days, currency. Booleans accept 1/0, yes/no, true/false.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from django.db import transaction

from backoffice.commerce import services
from backoffice.commerce.models import Party
from backoffice.core.errors import DomainError
from backoffice.core.numbers import NumberError, to_decimal
from backoffice.core.text import first_bad_pair
from backoffice.tenancy.models import Organization, User

BOOL = {
    "1": True,
    "yes": True,
    "true": True,
    "y": True,
    "0": False,
    "no": False,
    "false": False,
    "n": False,
    "": None,
}
TEXT = services.PARTY_TEXT_FIELDS


@dataclass
class RowResult:
    row: int
    code: str
    ok: bool
    errors: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class ImportReport:
    created: int
    rows: list[RowResult]

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.rows)


def import_parties(*, tenant: Organization, actor: User | None, text: str) -> ImportReport:
    """Validate every row, then create all parties in one transaction (or none)."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    if not reader.fieldnames or not {"code", "name"} <= set(reader.fieldnames):
        raise DomainError(
            "The CSV needs a header with at least code and name.",
            fields={"file": ["missing code/name columns"]},
        )
    rows = list(reader)
    existing = set(Party.objects.for_tenant(tenant).values_list("code", flat=True))
    seen: dict[str, int] = {}
    results: list[RowResult] = []
    prepared: list[dict] = []
    for n, raw in enumerate(rows, start=2):
        r = {k.strip(): (v or "").strip() for k, v in raw.items() if k}
        res = RowResult(row=n, code=r.get("code", ""), ok=True)
        if bad := first_bad_pair(r.items()):  # NUL or a lone surrogate: no database stores it
            res.errors[bad[0]] = [bad[1]]
        data: dict = {k: r[k] for k in TEXT if r.get(k)}
        for flag in ("is_customer", "is_supplier"):
            value = BOOL.get(r.get(flag, "").lower(), "bad")
            if value == "bad":
                res.errors[flag] = ["yes or no"]
            elif value is not None:
                data[flag] = value
        if r.get("payment_terms_days"):
            try:
                days = to_decimal(r["payment_terms_days"], places=0, minimum=0, maximum=365)
                data["payment_terms_days"] = int(days)
            except NumberError as exc:
                res.errors["payment_terms_days"] = [f"a whole number of days: {exc}"]
        if not res.code:
            res.errors["code"] = ["required"]
        elif res.code in existing:
            res.errors["code"] = ["already exists"]
        elif res.code in seen:
            res.errors["code"] = [f"repeats row {seen[res.code]}"]
        seen.setdefault(res.code, n)
        if not r.get("name"):
            res.errors["name"] = ["required"]
        if r.get("tax_id") and not res.errors:
            try:
                services.validate_tax_id(r["tax_id"], r.get("country", ""))
            except DomainError as exc:
                res.errors.update(exc.fields)
        res.ok = not res.errors
        results.append(res)
        prepared.append(
            {"code": res.code, "name": r.get("name", ""), "tax_id": r.get("tax_id", ""), **data}
        )
    if not all(r.ok for r in results):
        return ImportReport(created=0, rows=results)
    with transaction.atomic():
        for res, data in zip(results, prepared, strict=True):
            try:
                services.create_party(tenant=tenant, actor=actor, **data)
            except DomainError as exc:
                res.ok, res.errors = False, exc.fields or {"row": [exc.message]}
                transaction.set_rollback(True)
                return ImportReport(created=0, rows=results)
    return ImportReport(created=len(results), rows=results)
