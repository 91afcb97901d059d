"""Reads of the ledger, all scoped to one tenant. `access_<thing>_by_id` fetch one object and
check the caller's permission together, for views and API alike. Reports read balance and
daily rows, never the lines (except the general ledger, which lists them)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import models
from django.db.models import Q, QuerySet, Sum

from backoffice.core.errors import NotFound
from backoffice.ledger import money
from backoffice.ledger.models import (
    DEBIT_NORMAL,
    Account,
    AccountBalance,
    AccountType,
    Currency,
    DailyBalance,
    ExchangeRate,
    FiscalYear,
    JournalEntry,
    JournalLine,
    Period,
)
from backoffice.tenancy.models import Organization
from backoffice.tenancy.roles import Perm
from backoffice.tenancy.selectors import TenantAccess

# --- one object, fetched and authorised together ------------------------------------
#
# Views and API handlers call these instead of looking objects up and checking roles
# themselves: the permission first (403), then the tenant-scoped fetch, where a missing id
# and another tenant's id are the same 404 (nothing tells them apart).


def _access_one[M: models.Model](
    access: TenantAccess, perm: str, rows: QuerySet[M], pk: int, noun: str
) -> M:
    """Check `perm`, then the row `pk` among the tenant's `rows` (lazy until now)."""
    access.require(perm)
    found = rows.filter(pk=pk).first()
    if found is None:
        raise NotFound(f"No such {noun}.")
    return found


def access_account_by_id(
    access: TenantAccess, account_id: int, *, perm: str = Perm.VIEW_LEDGER
) -> Account:
    rows = Account.objects.for_tenant(access.tenant)
    return _access_one(access, perm, rows, account_id, "account")


def access_entry_by_id(
    access: TenantAccess, entry_id: int, *, perm: str = Perm.VIEW_LEDGER
) -> JournalEntry:
    rows = JournalEntry.objects.for_tenant(access.tenant).select_related("author", "reverses")
    return _access_one(access, perm, rows, entry_id, "journal entry")


def access_period_by_id(
    access: TenantAccess, period_id: int, *, perm: str = Perm.VIEW_LEDGER
) -> Period:
    rows = Period.objects.for_tenant(access.tenant).select_related("fiscal_year")
    return _access_one(access, perm, rows, period_id, "period")


def access_fiscal_year_by_id(
    access: TenantAccess, fiscal_year_id: int, *, perm: str = Perm.VIEW_LEDGER
) -> FiscalYear:
    rows = FiscalYear.objects.for_tenant(access.tenant)
    return _access_one(access, perm, rows, fiscal_year_id, "fiscal year")


# --- lists and reads of one tenant ------------------------------------------------------


def accounts(tenant: Organization) -> QuerySet[Account]:
    return Account.objects.for_tenant(tenant).order_by("code")


def currencies() -> QuerySet[Currency]:
    """ISO 4217 reference data, shared by every tenant."""
    return Currency.objects.order_by("code")


def subtree_ids(accts: list[Account], root_id: int) -> set[int]:
    """`root_id` and the ids of every account below it, from an already loaded chart."""
    children: dict[int | None, list[int]] = defaultdict(list)
    for a in accts:
        children[a.parent_id].append(a.pk)
    out, todo = set(), [root_id]
    while todo:
        node = todo.pop()
        if node not in out:
            out.add(node)
            todo.extend(children.get(node, []))
    return out


def entry_lines(entry: JournalEntry) -> list[JournalLine]:
    return list(entry.lines.select_related("account").order_by("line_no"))


def entries(
    tenant: Organization,
    *,
    start: date | None = None,
    end: date | None = None,
    account_code: str | None = None,
    memo: str | None = None,
) -> QuerySet[JournalEntry]:
    qs = JournalEntry.objects.for_tenant(tenant).order_by("-date", "-id")
    if start:
        qs = qs.filter(date__gte=start)
    if end:
        qs = qs.filter(date__lte=end)
    if memo:
        qs = qs.filter(Q(memo__icontains=memo) | Q(source_ref__icontains=memo))
    if account_code:
        account = Account.objects.for_tenant(tenant).filter(code=account_code).first()
        if account is None:
            return qs.none()
        line_entries = JournalLine.objects.for_tenant(tenant).filter(account_id=account.pk)
        if start:
            line_entries = line_entries.filter(date__gte=start)
        if end:
            line_entries = line_entries.filter(date__lte=end)
        qs = qs.filter(pk__in=line_entries.values("entry_id"))
    return qs


def periods(tenant: Organization) -> QuerySet[Period]:
    return Period.objects.for_tenant(tenant).select_related("fiscal_year").order_by("start")


def balances(tenant: Organization) -> dict[tuple[int, str], int]:
    """Current balance per (account id, currency): one row each, no line scan."""
    return {
        (a, c): b
        for a, c, b in AccountBalance.objects.for_tenant(tenant).values_list(
            "account_id", "currency", "balance"
        )
    }


def balances_between(
    tenant: Organization, *, start: date | None = None, end: date | None = None
) -> dict[tuple[int, str], int]:
    """Net movement per (account id, currency) with start <= date <= end, from daily rows."""
    if start is None and end is None:
        return balances(tenant)
    qs = DailyBalance.objects.for_tenant(tenant)
    if start:
        qs = qs.filter(date__gte=start)
    if end:
        qs = qs.filter(date__lte=end)
    rows = qs.values("account_id", "currency").annotate(total=Sum("delta"))
    return {(r["account_id"], r["currency"]): r["total"] for r in rows if r["total"]}


def balance_rows(tenant: Organization, *, as_of: date | None = None) -> list[dict[str, Any]]:
    """Each account's balance per currency (now, or as of a day), by code and currency."""
    amounts = balances_between(tenant, end=as_of) if as_of else balances(tenant)
    accts = _account_map(tenant)
    rows = [
        {
            "account_id": acc_id,
            "code": accts[acc_id].code,
            "name": accts[acc_id].name,
            "currency": cur,
            "balance": bal,
        }
        for (acc_id, cur), bal in amounts.items()
    ]
    return sorted(rows, key=lambda r: (r["code"], r["currency"]))


def is_posted_key(tenant: Organization, idempotency_key: str | None) -> bool:
    """Whether an entry with this idempotency key is already posted (a retry, not a post)."""
    return (
        idempotency_key is not None
        and JournalEntry.objects.for_tenant(tenant).filter(idempotency_key=idempotency_key).exists()
    )


def balance_as_of(tenant: Organization, *, account: Account, currency: str, day: date) -> int:
    total = (
        DailyBalance.objects.for_tenant(tenant)
        .filter(account_id=account.pk, currency=currency, date__lte=day)
        .aggregate(total=Sum("delta"))["total"]
    )
    return int(total or 0)


# --- currency translation -------------------------------------------------------------


class Translator:
    """Translate minor units into the tenant's reporting currency at the rate on a day
    (`money.rates_on`: the latest on or before the day, direct or inverse). Currencies
    without a rate translate to None and are remembered in `missing`."""

    def __init__(self, tenant: Organization, day: date) -> None:
        self.target = tenant.currency
        self.rates = money.rates_on(tenant, day)
        self.missing: set[str] = set()

    def __call__(self, amount: int, currency: str) -> int | None:
        if currency == self.target:
            return amount
        rate = self.rates.get(currency)
        if rate is None:
            self.missing.add(currency)
            return None
        return money.convert(amount, rate=rate, currency=currency, to=self.target)

    def total(self, amounts: dict[str, int]) -> int:
        """Amounts per currency translated and added up; those without a rate left out."""
        total = 0
        for currency, amount in amounts.items():
            value = self(amount, currency)
            if value is not None:
                total += value
        return total


# --- reports --------------------------------------------------------------------------


@dataclass
class ReportRow:
    account_id: int
    code: str
    name: str
    type: str
    currency: str
    debit: int
    credit: int
    balance: int
    translated: int | None = None
    depth: int = 0


@dataclass
class Report:
    title: str
    currency: str
    rows: list[ReportRow] = field(default_factory=list)
    totals: dict[str, Any] = field(default_factory=dict)
    untranslated: list[str] = field(default_factory=list)


def _account_map(tenant: Organization) -> dict[int, Account]:
    return {a.pk: a for a in Account.objects.for_tenant(tenant)}


def _rows(
    tenant: Organization,
    amounts: dict[tuple[int, str], int],
    translate: Translator,
    types: set[str] | None = None,
) -> list[ReportRow]:
    accts = _account_map(tenant)
    rows = []
    for (account_id, currency), amount in amounts.items():
        acc = accts[account_id]
        if types is not None and acc.type not in types:
            continue
        rows.append(
            ReportRow(
                account_id=account_id,
                code=acc.code,
                name=acc.name,
                type=acc.type,
                currency=currency,
                debit=amount if amount > 0 else 0,
                credit=-amount if amount < 0 else 0,
                balance=amount,
                translated=translate(amount, currency),
            )
        )
    rows.sort(key=lambda r: (r.code, r.currency))
    return rows


def trial_balance(tenant: Organization, *, as_of: date | None = None) -> Report:
    """Debit and credit balance of every account and currency as of a day (default: now)."""
    amounts = balances_between(tenant, end=as_of) if as_of else balances(tenant)
    translate = Translator(tenant, as_of or date.today())
    rows = _rows(tenant, amounts, translate)
    per_currency: dict[str, dict[str, int]] = defaultdict(lambda: {"debit": 0, "credit": 0})
    for r in rows:
        per_currency[r.currency]["debit"] += r.debit
        per_currency[r.currency]["credit"] += r.credit
    return Report(
        title="Trial balance",
        currency=tenant.currency,
        rows=rows,
        totals={
            "per_currency": dict(per_currency),
            "translated_debit": sum(
                r.translated for r in rows if r.translated and r.translated > 0
            ),
            "translated_credit": -sum(
                r.translated for r in rows if r.translated and r.translated < 0
            ),
        },
        untranslated=sorted(translate.missing),
    )


def income_statement(tenant: Organization, *, start: date, end: date) -> Report:
    """Income and expenses moved in [start, end]; net income = income - expenses."""
    amounts = balances_between(tenant, start=start, end=end)
    translate = Translator(tenant, end)
    rows = _rows(tenant, amounts, translate, {AccountType.INCOME, AccountType.EXPENSE})
    income = -sum(r.translated or 0 for r in rows if r.type == AccountType.INCOME)
    expense = sum(r.translated or 0 for r in rows if r.type == AccountType.EXPENSE)
    return Report(
        title="Income statement",
        currency=tenant.currency,
        rows=rows,
        totals={"income": income, "expenses": expense, "net_income": income - expense},
        untranslated=sorted(translate.missing),
    )


def balance_sheet(tenant: Organization, *, as_of: date) -> Report:
    """Assets = liabilities + equity, where equity includes earnings to date."""
    amounts = balances_between(tenant, end=as_of)
    translate = Translator(tenant, as_of)
    rows = _rows(
        tenant, amounts, translate, {AccountType.ASSET, AccountType.LIABILITY, AccountType.EQUITY}
    )
    pl_rows = _rows(tenant, amounts, translate, {AccountType.INCOME, AccountType.EXPENSE})
    earnings = -sum(r.translated or 0 for r in pl_rows)
    assets = sum(r.translated or 0 for r in rows if r.type == AccountType.ASSET)
    liabilities = -sum(r.translated or 0 for r in rows if r.type == AccountType.LIABILITY)
    equity = -sum(r.translated or 0 for r in rows if r.type == AccountType.EQUITY)
    return Report(
        title="Balance sheet",
        currency=tenant.currency,
        rows=rows,
        totals={
            "assets": assets,
            "liabilities": liabilities,
            "equity": equity,
            "earnings": earnings,
            "liabilities_and_equity": liabilities + equity + earnings,
        },
        untranslated=sorted(translate.missing),
    )


@dataclass
class LedgerLine:
    entry_id: int
    date: date
    memo: str
    currency: str
    debit: int
    credit: int
    running: int
    translated: int | None = None
    translated_running: int = 0


def general_ledger(
    tenant: Organization,
    *,
    account: Account,
    start: date | None = None,
    end: date | None = None,
    limit: int = 5000,
) -> dict[str, Any]:
    """An account's lines in [start, end] with opening, running and closing balance.

    Like the other reports, amounts are also translated into the tenant's reporting
    currency at the latest rate on or before the report date (`end`, else today):
    `translated` is the line's amount, `translated_running` the account's balance after the
    line with every currency translated and added up. Each figure is translated and rounded
    on its own, so adding translated line amounts to the translated opening may differ from
    the translated running balance by a minor unit per line. Currencies without a rate are
    listed in `untranslated` and left out of the translated balances.
    """
    translate = Translator(tenant, end or date.today())
    opening = _opening(tenant, account, start)
    running = dict(opening)
    qs = JournalLine.objects.for_tenant(tenant).filter(account_id=account.pk)
    if start:
        qs = qs.filter(date__gte=start)
    if end:
        qs = qs.filter(date__lte=end)
    lines = []
    for ln in qs.select_related("entry").order_by("date", "entry_id", "line_no")[:limit]:
        running[ln.currency] = running.get(ln.currency, 0) + ln.amount
        lines.append(
            LedgerLine(
                entry_id=ln.entry_id,
                date=ln.date,
                memo=ln.memo or ln.entry.memo,
                currency=ln.currency,
                debit=ln.debit,
                credit=ln.credit,
                running=running[ln.currency],
                translated=translate(ln.amount, ln.currency),
                translated_running=translate.total(running),
            )
        )
    return {
        "account": account,
        "currency": tenant.currency,
        "rate_date": end or date.today(),
        "opening": opening,
        "opening_translated": translate.total(opening),
        "lines": lines,
        "closing": running,
        "closing_translated": translate.total(running),
        "untranslated": sorted(translate.missing),
    }


def _opening(tenant: Organization, account: Account, start: date | None) -> dict[str, int]:
    """The account's balance per currency before `start` (nothing without a start)."""
    if not start:
        return {}
    rows = (
        DailyBalance.objects.for_tenant(tenant)
        .filter(account_id=account.pk, date__lt=start)
        .values("currency")
        .annotate(total=Sum("delta"))
    )
    return {r["currency"]: int(r["total"] or 0) for r in rows}


@dataclass
class TreeNode:
    account: Account
    depth: int
    own: dict[str, int]
    total: dict[str, int]
    children: list[TreeNode] = field(default_factory=list)


def account_tree(tenant: Organization) -> list[TreeNode]:
    """The chart as a forest, each node with its own and rolled-up balances per currency."""
    bal = balances(tenant)
    nodes: dict[int, TreeNode] = {}
    for acc in accounts(tenant):
        own = {c: b for (a, c), b in bal.items() if a == acc.pk and b}
        nodes[acc.pk] = TreeNode(account=acc, depth=0, own=own, total={})
    roots = []
    for node in nodes.values():
        parent = nodes.get(node.account.parent_id) if node.account.parent_id else None
        if parent is None:
            roots.append(node)
        else:
            parent.children.append(node)

    def roll(node: TreeNode, depth: int) -> dict[str, int]:
        node.depth = depth
        total = dict(node.own)
        for child in node.children:
            for c, v in roll(child, depth + 1).items():
                total[c] = total.get(c, 0) + v
        node.total = total
        return total

    for root in roots:
        roll(root, 0)
    return roots


def flatten(tree: list[TreeNode]) -> list[TreeNode]:
    out: list[TreeNode] = []

    def walk(node: TreeNode) -> None:
        out.append(node)
        for child in node.children:
            walk(child)

    for root in tree:
        walk(root)
    return out


def is_debit_normal(type_: str) -> bool:
    return type_ in DEBIT_NORMAL


def rates(
    tenant: Organization,
    *,
    currency: str | None = None,
    start: date | None = None,
    end: date | None = None,
) -> QuerySet[ExchangeRate]:
    """The tenant's rates, newest first; `currency` matches either side of the pair."""
    qs = ExchangeRate.objects.for_tenant(tenant).order_by("-date", "base_id", "quote_id")
    if currency:
        code = currency.strip().upper()
        qs = qs.filter(Q(base_id=code) | Q(quote_id=code))
    if start:
        qs = qs.filter(date__gte=start)
    if end:
        qs = qs.filter(date__lte=end)
    return qs
