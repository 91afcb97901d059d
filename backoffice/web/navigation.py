"""The role-aware navigation: each entry shows only to roles holding its permission."""

from dataclasses import dataclass

from backoffice.tenancy.roles import Perm


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    perm: str


NAV_ITEMS = [
    NavItem("Dashboard", "web:dashboard", Perm.VIEW_DASHBOARD),
    NavItem("Work", "work:index", Perm.VIEW_WORK),
    NavItem("Ledger", "ledger:index", Perm.VIEW_LEDGER),
    NavItem("Commerce", "commerce:index", Perm.VIEW_COMMERCE),
    NavItem("Billing", "billing:index", Perm.VIEW_BILLING),
    NavItem("Setup", "work_setup:index", Perm.MANAGE_CATALOG),
    NavItem("Clients", "web:clients", Perm.MANAGE_TENANT),
    NavItem("Members", "web:members", Perm.VIEW_DASHBOARD),
    NavItem("API tokens", "web:tokens", Perm.MANAGE_TOKENS),
    NavItem("Audit log", "web:audit", Perm.VIEW_AUDIT),
]
