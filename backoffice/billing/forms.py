"""The contract and rate-card forms: what was typed, read into the services' inputs, and the
services' refusals put back beside the fields they name.

Reading only turns text into numbers (amounts in the contract's currency, units, percents);
every rule (non-negative prices, contiguous tiers, overlapping versions…) is the service's,
whose words are shown as they are. A form keeps its rows as typed (`values`), so a refused
rate card comes back with every charge and tier the person entered.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.http import QueryDict

from backoffice.billing.services import ChargeIn, ServiceLevelIn, TierIn
from backoffice.core.forms import date_or_none
from backoffice.core.numbers import NumberError, to_decimal
from backoffice.ledger import money

Errors = dict[str, list[str]]

VERSION_AMOUNTS = ("minimum_commitment", "recurring_fee", "setup_fee")
VERSION_PERCENTS = ("at_risk_percent", "pool_cap_percent")
CHARGE_FIELDS = (
    "code",
    "name",
    "metric",
    "model",
    "unit_rate",
    "per_units",
    "free_units",
    "package_size",
    "engagement",
    "min_priority",
    "product",
)
_KEY = re.compile(r"^(charges|service_levels)\[(\d+)\](?:\.(\w+))?$")
_SERVICE_NAMES = {
    "engagement_id": "engagement",
    "product_id": "product",
    "target_percent": "target",
    "allocation_percent": "allocation",
}


@dataclass
class ChargeRow:
    values: dict[str, str]
    tiers: list[dict[str, str]]
    errors: Errors = field(default_factory=dict)


@dataclass
class LevelRow:
    values: dict[str, str]
    errors: Errors = field(default_factory=dict)


@dataclass
class VersionForm:
    """A rate card as typed, and the errors of its fields, charges and service levels."""

    values: dict[str, str]
    charges: list[ChargeRow]
    levels: list[LevelRow]
    errors: Errors = field(default_factory=dict)

    @property
    def has_errors(self) -> bool:
        return bool(
            self.errors
            or any(c.errors for c in self.charges)
            or any(sl.errors for sl in self.levels)
        )

    def place(self, fields: dict[str, Any]) -> None:
        """A service's refusal, each message beside the field or row it names."""
        for key, messages in fields.items():
            words = [str(m) for m in (messages if isinstance(messages, list) else [messages])]
            m = _KEY.match(key)
            if m is None:
                self.errors.setdefault(key, []).extend(words)
                continue
            group, n, name = m.group(1), int(m.group(2)), m.group(3) or "row"
            name = _SERVICE_NAMES.get(name, name)
            rows: list[Any] = self.charges if group == "charges" else self.levels
            if n < len(rows):
                rows[n].errors.setdefault(name, []).extend(words)
            else:
                self.errors.setdefault(group, []).extend(words)


def empty_version_form() -> VersionForm:
    return VersionForm(
        values={"per_units": "1"},
        charges=[ChargeRow({"model": "per_unit", "per_units": "1"}, [])],
        levels=[],
    )


def _charge_indexes(data: QueryDict) -> list[str]:
    found = {k.split("-", 1)[0][1:] for k in data if re.match(r"^c\d+-code$", k)}
    return sorted(found, key=int)


def read_version_form(data: QueryDict) -> VersionForm:
    """The posted rate card as typed: top fields, charge blocks `c<n>-…` with their tier
    rows, service-level rows."""
    values = {k: data.get(k, "").strip() for k in ("effective_from", "effective_to")}
    for k in (*VERSION_AMOUNTS, *VERSION_PERCENTS, "recurring_label"):
        values[k] = data.get(k, "").strip()
    charges = []
    for n in _charge_indexes(data):
        row = {f: data.get(f"c{n}-{f}", "").strip() for f in CHARGE_FIELDS}
        cols = [data.getlist(f"c{n}-tier_{c}") for c in ("from", "to", "rate", "fee")]
        tiers = [
            {"from": a.strip(), "to": b.strip(), "rate": r.strip(), "fee": f.strip()}
            for a, b, r, f in zip(*cols, strict=False)
            if any(x.strip() for x in (a, b, r, f))
        ]
        if any(row.values()) or tiers:
            charges.append(ChargeRow(row, tiers))
    levels = [
        LevelRow({"engagement": e, "metric": m, "target": t, "allocation": a, "earn_back": b})
        for e, m, t, a, b in zip(
            data.getlist("sl_engagement"),
            data.getlist("sl_metric"),
            data.getlist("sl_target"),
            data.getlist("sl_allocation"),
            data.getlist("sl_earn_back"),
            strict=False,
        )
        if any(x.strip() for x in (e, t, a))
    ]
    return VersionForm(values, charges, levels)


class _Reader:
    """Turns typed text into numbers, noting a problem under the field's name."""

    def __init__(self, currency: str, errors: Errors) -> None:
        self.currency = currency
        self.errors = errors

    def amount(self, text: str, name: str) -> int:
        try:
            return money.parse_major(text, self.currency) or 0
        except NumberError as exc:
            self.errors.setdefault(name, []).append(f"an amount in {self.currency}: {exc}")
            return 0

    def number(self, text: str, name: str, *, optional: bool = False) -> Decimal | None:
        if not text:
            return None if optional else Decimal(0)
        try:
            return to_decimal(text.replace(",", ""))
        except NumberError as exc:
            self.errors.setdefault(name, []).append(f"a number: {exc}")
            return None

    def whole(self, text: str, name: str) -> int | None:
        if not text:
            return None
        try:
            return int(to_decimal(text, places=0))
        except NumberError as exc:
            self.errors.setdefault(name, []).append(str(exc))
            return None


def _tiers(row: ChargeRow, read: _Reader) -> list[TierIn]:
    out = []
    for n, t in enumerate(row.tiers, start=1):
        lo = read.number(t["from"], "tiers") or Decimal(0)
        hi = read.number(t["to"], "tiers", optional=True)
        rate = read.amount(t["rate"], "tiers")
        fee = read.amount(t["fee"], "tiers")
        if "tiers" in read.errors:
            read.errors["tiers"] = [f"tier {n}: {read.errors['tiers'][-1]}"]
            return []
        out.append(TierIn(lo, hi, rate, fee))
    return out


def _charge(row: ChargeRow, currency: str) -> ChargeIn:
    read = _Reader(currency, row.errors)
    v = row.values
    per_units = read.whole(v["per_units"], "per_units")
    engagement = read.whole(v["engagement"], "engagement")
    priority = read.whole(v["min_priority"], "min_priority")
    product = read.whole(v["product"], "product")
    size = read.number(v["package_size"], "package_size", optional=True)
    return ChargeIn(
        code=v["code"],
        name=v["name"],
        metric=v["metric"],
        model=v["model"] or "per_unit",
        unit_rate=read.amount(v["unit_rate"], "unit_rate"),
        per_units=per_units if per_units is not None else 1,
        free_units=read.number(v["free_units"], "free_units") or Decimal(0),
        package_size=size,
        engagement_id=engagement,
        min_priority=priority,
        product_id=product,
        tiers=_tiers(row, read),
    )


def _level(row: LevelRow) -> ServiceLevelIn:
    read = _Reader("", row.errors)
    v = row.values
    return ServiceLevelIn(
        engagement_id=read.whole(v["engagement"], "engagement") or 0,
        metric=v["metric"],
        target_percent=read.number(v["target"], "target") or Decimal(0),
        allocation_percent=read.number(v["allocation"], "allocation") or Decimal(0),
        earn_back=v["earn_back"] == "yes",
    )


def version_inputs(form: VersionForm, currency: str) -> dict[str, Any]:
    """The keyword arguments of `services.add_version`, or {} with the form's errors set."""
    v, read = form.values, _Reader(currency, form.errors)
    for name in ("effective_from", "effective_to"):
        if v[name] and date_or_none(v[name]) is None:
            form.errors.setdefault(name, []).append("a date, like 2026-11-01")
    if not v["effective_from"]:
        form.errors.setdefault("effective_from", []).append("required")
    kwargs: dict[str, Any] = {name: read.amount(v[name], name) for name in VERSION_AMOUNTS}
    for name in VERSION_PERCENTS:
        kwargs[name] = read.number(v[name], name) or Decimal(0)
    kwargs["charges"] = [_charge(c, currency) for c in form.charges]
    kwargs["service_levels"] = [_level(sl) for sl in form.levels]
    if form.has_errors:
        return {}
    kwargs["effective_from"] = date.fromisoformat(v["effective_from"])
    kwargs["effective_to"] = date.fromisoformat(v["effective_to"]) if v["effective_to"] else None
    kwargs["recurring_label"] = v["recurring_label"]
    return kwargs


# --- the contract --------------------------------------------------------------------------

CONTRACT_FIELDS = (
    "client",
    "code",
    "name",
    "currency",
    "payment_terms_days",
    "calendar",
    "tax_code",
    "retainer_account",
)


def read_contract_form(data: QueryDict) -> tuple[dict[str, Any], dict[str, Any], Errors]:
    """(values as typed, `create_contract` keyword arguments, reading errors)."""
    values: dict[str, Any] = {k: data.get(k, "").strip() for k in CONTRACT_FIELDS}
    values["engagements"] = data.getlist("engagements")
    values["bill_cancelled_items"] = data.get("bill_cancelled_items") == "on"
    errors: Errors = {}
    read = _Reader("", errors)
    client = read.whole(values["client"], "client_id")
    if client is None and "client_id" not in errors:
        errors["client_id"] = ["choose the client"]
    terms = read.whole(values["payment_terms_days"] or "30", "payment_terms_days")
    calendar = read.whole(values["calendar"], "calendar_id")
    engagement_ids = []
    for e in values["engagements"]:
        found = read.whole(e, "engagement_ids")
        if found is not None:
            engagement_ids.append(found)
    if not engagement_ids and "engagement_ids" not in errors:
        errors["engagement_ids"] = ["choose at least one engagement"]
    kwargs = {
        "client_id": client or 0,
        "code": values["code"],
        "name": values["name"],
        "currency": values["currency"],
        "engagement_ids": engagement_ids,
        "payment_terms_days": terms if terms is not None else 30,
        "calendar_id": calendar,
        "bill_cancelled_items": values["bill_cancelled_items"],
        "tax_code": values["tax_code"],
        "retainer_account": values["retainer_account"],
    }
    return values, kwargs, errors
