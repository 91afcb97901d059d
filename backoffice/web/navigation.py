"""The role-aware navigation: each entry shows only to roles holding its permission (and,
where it says so, only in a client's or only in the provider's organization)."""

from dataclasses import dataclass

from backoffice.tenancy.roles import Perm


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    perm: str
    kind: str | None = None  # "client" or "provider": shown only in that kind of organization


NAV_ITEMS = [
    NavItem("Dashboard", "web:dashboard", Perm.VIEW_DASHBOARD),
    NavItem("Inbox", "conversations:inbox", Perm.VIEW_CONVERSATIONS),
    NavItem("Work", "work:index", Perm.VIEW_WORK),
    NavItem("Workforce", "workforce:index", Perm.VIEW_WORKFORCE, kind="provider"),
    NavItem("Reports", "reports:index", Perm.VIEW_REPORTS, kind="provider"),
    NavItem("Service levels", "portal:dashboard", Perm.VIEW_WORK, kind="client"),
    NavItem("Projects", "portal:projects", Perm.REQUEST_PROJECTS, kind="client"),
    NavItem("Project requests", "portal:requests", Perm.PREPARE_QUOTES, kind="provider"),
    NavItem("Ledger", "ledger:index", Perm.VIEW_LEDGER),
    NavItem("Commerce", "commerce:index", Perm.VIEW_COMMERCE),
    NavItem("Billing", "billing:index", Perm.VIEW_BILLING),
    NavItem("Delivery", "delivery:index", Perm.MANAGE_DELIVERY),
    NavItem("Setup", "work_setup:index", Perm.MANAGE_CATALOG),
    NavItem("Clients", "web:clients", Perm.MANAGE_TENANT),
    NavItem("Members", "web:members", Perm.VIEW_DASHBOARD),
    NavItem("API tokens", "web:tokens", Perm.MANAGE_TOKENS),
    NavItem("Single sign-on", "identity:sso_settings", Perm.MANAGE_MEMBERS, kind="client"),
    NavItem("Access reviews", "identity:access_reviews", Perm.REVIEW_ACCESS),
    NavItem("Data protection", "vault:index", Perm.MANAGE_KEYS, kind="provider"),
    NavItem("Privacy", "privacy:index", Perm.VIEW_PRIVACY),
    NavItem("Audit log", "web:audit", Perm.VIEW_AUDIT),
]
# Namespaces with more than one entry: an entry there is active only on its own page.
SHARED_NAMESPACES = frozenset(
    ns
    for ns in {i.url_name.split(":")[0] for i in NAV_ITEMS}
    if sum(i.url_name.split(":")[0] == ns for i in NAV_ITEMS) > 1
)
