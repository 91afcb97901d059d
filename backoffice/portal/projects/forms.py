"""The request form and the quote editor: what was typed, read into the services' inputs,
and back into the form's values. Each problem is said in words beside its field; what was
typed is kept. Money is typed as people write it (0.45), never in cents."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import time
from decimal import Decimal, InvalidOperation
from typing import Any

from django.http import QueryDict

from backoffice.core.forms import date_or_none
from backoffice.core.numbers import NumberError
from backoffice.ledger import money
from backoffice.portal.projects.services import LineIn, QuoteIn, RequestIn, TierIn

Errors = dict[str, list[str]]
REQUEST_FIELDS = (
    "kind", "title", "service", "engagement", "description", "expected_volume", "volume_unit",
    "deadline", "languages",
)  # fmt: skip
LINE_FIELDS = ("code", "name", "metric", "model", "price", "per_units", "free_units",
               "package_size", "tiers")  # fmt: skip
BLANK_LINES = 2


def read_request_form(post: QueryDict) -> tuple[dict[str, Any], RequestIn | None, Errors]:
    values = {k: post.get(k, "").strip() for k in REQUEST_FIELDS}
    errors: Errors = {}
    service = engagement = volume = None
    if values["service"] and values["service"] != "other":
        service = _int(values["service"], "service_type_id", "Choose a service.", errors)
    if values["kind"] == "change":
        engagement = _int(values["engagement"], "engagement_id", "Choose an engagement.", errors)
    if values["expected_volume"]:
        volume = _int(
            values["expected_volume"].replace(",", ""),
            "expected_volume",
            "A whole number, e.g. 4000.",
            errors,
        )
    deadline = date_or_none(values["deadline"])
    if values["deadline"] and deadline is None:
        errors["deadline"] = ["A date, e.g. 2027-01-31."]
    if errors:
        return values, None, errors
    data = RequestIn(
        kind=values["kind"] or "new",
        title=values["title"],
        description=values["description"],
        service_type_id=service,
        engagement_id=engagement,
        expected_volume=volume,
        volume_unit=values["volume_unit"],
        deadline=deadline,
        languages=values["languages"],
    )
    return values, data, errors


def _int(text: str, key: str, words: str, errors: Errors) -> int | None:
    try:
        return int(text)
    except ValueError:
        errors[key] = [words]
        return None


# --- the quote editor --------------------------------------------------------------------


@dataclass
class QuoteForm:
    values: dict[str, Any]
    lines: list[dict[str, str]] = field(default_factory=list)
    errors: Errors = field(default_factory=dict)


def _major(minor: int, currency: str) -> str:
    return money.format_minor(minor, currency).replace(",", "") if minor else ""


def _units(value: Any) -> str:
    if value in (None, ""):
        return ""
    return f"{Decimal(str(value)).normalize():f}"


def _tiers_text(line: LineIn, currency: str) -> str:
    rows = []
    for t in line.tiers:
        up = _units(t.up_to)
        price = money.format_minor(t.unit_rate, currency).replace(",", "")
        rows.append(f"{_units(t.from_units)}, {up}, {price}")
    return "\n".join(rows)


def quote_form_of(data: QuoteIn) -> QuoteForm:
    """The editor's values for a quote (a draft, or where a new one starts)."""
    cur = data.currency
    values = {
        "currency": cur,
        "valid_until": data.valid_until.isoformat(),
        "sla_hours": f"{Decimal(str(data.sla_hours)).normalize():f}",
        "sla_basis": data.sla_basis,
        "sla_target_percent": str(data.sla_target_percent),
        "service": str(data.service_type_id or ""),
        "setup_fee": _major(data.setup_fee, cur),
        "minimum_commitment": _major(data.minimum_commitment, cur),
        "recurring_fee": _major(data.recurring_fee, cur),
        "timezone": data.timezone,
        "work_days": list(data.work_days),
        "day_start": data.day_start.strftime("%H:%M"),
        "day_end": data.day_end.strftime("%H:%M"),
        "holiday_country": data.holiday_country,
        "notes": data.notes,
    }
    lines = [
        {
            "code": x.code,
            "name": x.name,
            "metric": x.metric,
            "model": x.model,
            "price": money.format_minor(x.unit_rate, cur).replace(",", "") if not x.tiers else "",
            "per_units": str(x.per_units),
            "free_units": _units(x.free_units) if Decimal(str(x.free_units or 0)) else "",
            "package_size": _units(x.package_size),
            "tiers": _tiers_text(x, cur),
        }
        for x in data.lines
    ]
    return QuoteForm(values, lines + [dict.fromkeys(LINE_FIELDS, "") for _ in range(BLANK_LINES)])


def _money_of(text: str, key: str, label: str, cur: str, errors: Errors) -> int:
    try:
        found = money.parse_major(text, cur)
    except (NumberError, ValueError):
        errors[key] = [f"{label}: an amount, e.g. 12.50"]
        return 0
    return found or 0


def _tiers_of(text: str, n: int, cur: str, errors: Errors) -> list[TierIn]:
    tiers = []
    for k, row in enumerate(r for r in text.splitlines() if r.strip()):
        parts = [p.strip() for p in row.split(",")]
        key = f"lines[{n}].tiers"
        if len(parts) != 3:
            errors[key] = [
                f"Line {n + 1}, tier {k + 1}: write from, up to (empty for no limit), price"
            ]
            return []
        price = _money_of(parts[2], key, f"Line {n + 1}, tier {k + 1}", cur, errors)
        tiers.append(TierIn(parts[0] or "0", parts[1] or None, price))
    return tiers


def _line_of(n: int, row: dict[str, str], cur: str, errors: Errors) -> LineIn:
    per = row["per_units"] or "1"
    price = _money_of(row["price"], f"lines[{n}].unit_rate", f"Line {n + 1} price", cur, errors)
    return LineIn(
        code=row["code"],
        name=row["name"],
        metric=row["metric"],
        model=row["model"] or "per_unit",
        unit_rate=price,
        per_units=int(per) if per.isdigit() else -1,
        free_units=row["free_units"] or 0,
        package_size=row["package_size"] or None,
        tiers=_tiers_of(row["tiers"], n, cur, errors),
    )


def _time(text: str, key: str, errors: Errors, fallback: time) -> time:
    try:
        return time.fromisoformat(text)
    except ValueError:
        errors[key] = ["A time of day, e.g. 09:00."]
        return fallback


def read_quote_form(post: QueryDict) -> tuple[QuoteForm, QuoteIn | None]:
    keys = ("currency", "valid_until", "sla_hours", "sla_basis", "sla_target_percent", "service",
            "setup_fee", "minimum_commitment", "recurring_fee", "timezone", "day_start",
            "day_end", "holiday_country", "notes")  # fmt: skip
    values: dict[str, Any] = {k: post.get(k, "").strip() for k in keys}
    values["work_days"] = post.getlist("work_days")
    cur = values["currency"].upper()
    rows = [
        {k: (post.getlist(f"line_{k}")[i:i + 1] or [""])[0].strip() for k in LINE_FIELDS}
        for i in range(len(post.getlist("line_code")))
    ]  # fmt: skip
    form = QuoteForm(values, rows)
    errors = form.errors
    used = [(n, r) for n, r in enumerate(r for r in rows if any(r.values()))]
    lines = [_line_of(n, r, cur, errors) for n, r in used]
    valid_until = date_or_none(values["valid_until"])
    if valid_until is None:
        errors["valid_until"] = ["A date, e.g. 2027-01-31."]
    target = values["sla_target_percent"]
    if not target.isdigit():
        errors["sla_target_percent"] = ["A share from 1 to 100%."]
    try:
        hours = Decimal(values["sla_hours"] or "x")
    except InvalidOperation:
        errors["sla_hours"] = ["A turnaround in hours, more than zero."]
        hours = Decimal(0)
    fees = {
        k: _money_of(values[k], k, k.replace("_", " ").capitalize(), cur, errors)
        for k in ("setup_fee", "minimum_commitment", "recurring_fee")
    }
    start = _time(values["day_start"], "day_start", errors, time(9))
    end = _time(values["day_end"], "day_end", errors, time(17))
    if errors:
        return form, None
    data = QuoteIn(
        currency=cur,
        valid_until=valid_until,  # type: ignore[arg-type]
        sla_hours=hours,
        lines=lines,
        service_type_id=int(values["service"]) if values["service"].isdigit() else None,
        sla_basis=values["sla_basis"],
        sla_target_percent=int(target),
        timezone=values["timezone"],
        work_days=tuple(values["work_days"]),
        day_start=start,
        day_end=end,
        holiday_country=values["holiday_country"].upper(),
        notes=values["notes"],
        **fees,
    )
    return form, data


def read_rate_form(
    post: QueryDict,
) -> tuple[dict[str, str], tuple[int, str, LineIn] | None, Errors]:
    """A standard rate as typed: its service, currency and one priced line."""
    keys = ("service", "currency", *LINE_FIELDS)
    values = {k: post.get(k, "").strip() for k in keys}
    errors: Errors = {}
    cur = values["currency"].upper()
    if not values["service"].isdigit():
        errors["service"] = ["Choose a service."]
    line = _line_of(0, {k: values[k] for k in LINE_FIELDS}, cur, errors)
    errors = {k.replace("lines[0].", "line."): v for k, v in errors.items()}
    if errors:
        return values, None, errors
    return values, (int(values["service"]), cur, line), errors
