"""Roles and the permissions they grant. One table, read by services, views and the API."""

from django.db import models

from backoffice.audit.permissions import VIEW_AUDIT as _VIEW_AUDIT


class Role(models.TextChoices):
    PROVIDER_ADMIN = "provider_admin", "Provider admin"
    OPERATIONS_MANAGER = "operations_manager", "Operations manager"
    TEAM_LEAD = "team_lead", "Team lead"
    AGENT = "agent", "Agent"
    QA_REVIEWER = "qa_reviewer", "QA reviewer"
    FINANCE = "finance", "Finance"
    CLIENT_ADMIN = "client_admin", "Client admin"
    CLIENT_USER = "client_user", "Client user"
    AUDITOR = "auditor", "Auditor"


class Perm(models.TextChoices):
    VIEW_DASHBOARD = "dashboard.view"
    MANAGE_TENANT = "tenant.manage"
    MANAGE_MEMBERS = "members.manage"
    MANAGE_TOKENS = "tokens.manage"
    VIEW_AUDIT = _VIEW_AUDIT
    VIEW_LEDGER = "ledger.view"
    POST_LEDGER = "ledger.post"
    MANAGE_ACCOUNTS = "ledger.accounts"
    LOCK_PERIODS = "ledger.lock"
    VIEW_WORK = "work.view"
    SUBMIT_WORK = "work.submit"
    PROCESS_WORK = "work.process"
    REVIEW_WORK = "work.review"
    ROUTE_WORK = "work.route"
    MANAGE_CATALOG = "work.catalog"
    VIEW_COMMERCE = "commerce.view"
    MANAGE_COMMERCE = "commerce.manage"
    VIEW_BILLING = "billing.view"
    MANAGE_BILLING = "billing.manage"
    VIEW_CONVERSATIONS = "conversations.view"
    POST_MESSAGES = "conversations.post"
    WRITE_INTERNAL_NOTES = "conversations.internal"
    REQUEST_PROJECTS = "portal.request"
    PREPARE_QUOTES = "portal.quote"
    ACCEPT_QUOTES = "portal.accept"
    MANAGE_DELIVERY = "delivery.manage"
    REVEAL_SENSITIVE = "vault.reveal"
    MANAGE_KEYS = "vault.keys"
    VIEW_WORKFORCE = "workforce.view"
    MANAGE_WORKFORCE = "workforce.manage"
    VIEW_REPORTS = "reports.view"
    VIEW_PRIVACY = "privacy.view"
    MANAGE_PRIVACY = "privacy.manage"
    REQUEST_PRIVACY = "privacy.request"
    REVIEW_ACCESS = "identity.review"


_ALL = set(Perm)
_READ = {
    Perm.VIEW_DASHBOARD,
    Perm.VIEW_AUDIT,
    Perm.VIEW_LEDGER,
    Perm.VIEW_WORK,
    Perm.VIEW_COMMERCE,
    Perm.VIEW_BILLING,
    Perm.VIEW_CONVERSATIONS,
}
_CONVERSE = {Perm.VIEW_CONVERSATIONS, Perm.POST_MESSAGES}
_STAFF_CONVERSE = {*_CONVERSE, Perm.WRITE_INTERNAL_NOTES}

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.PROVIDER_ADMIN: frozenset(_ALL),
    Role.OPERATIONS_MANAGER: frozenset(
        {
            Perm.VIEW_DASHBOARD,
            Perm.VIEW_WORK,
            Perm.SUBMIT_WORK,
            Perm.PROCESS_WORK,
            Perm.REVIEW_WORK,
            Perm.ROUTE_WORK,
            Perm.MANAGE_CATALOG,
            Perm.VIEW_BILLING,
            Perm.VIEW_AUDIT,
            Perm.MANAGE_TOKENS,
            Perm.PREPARE_QUOTES,
            Perm.MANAGE_DELIVERY,
            Perm.REVEAL_SENSITIVE,
            Perm.VIEW_WORKFORCE,
            Perm.MANAGE_WORKFORCE,
            Perm.VIEW_REPORTS,
            Perm.VIEW_PRIVACY,
            *_STAFF_CONVERSE,
        }
    ),
    Role.TEAM_LEAD: frozenset(
        {
            Perm.VIEW_DASHBOARD,
            Perm.VIEW_WORK,
            Perm.PROCESS_WORK,
            Perm.REVIEW_WORK,
            Perm.ROUTE_WORK,
            Perm.REVEAL_SENSITIVE,
            Perm.VIEW_WORKFORCE,
            Perm.MANAGE_WORKFORCE,
            Perm.VIEW_REPORTS,
            *_STAFF_CONVERSE,
        }
    ),
    Role.AGENT: frozenset(
        {
            Perm.VIEW_DASHBOARD,
            Perm.VIEW_WORK,
            Perm.PROCESS_WORK,
            Perm.VIEW_WORKFORCE,
            *_STAFF_CONVERSE,
        }
    ),
    Role.QA_REVIEWER: frozenset(
        {Perm.VIEW_DASHBOARD, Perm.VIEW_WORK, Perm.REVIEW_WORK, *_STAFF_CONVERSE}
    ),
    Role.FINANCE: frozenset(
        {
            Perm.VIEW_DASHBOARD,
            Perm.VIEW_LEDGER,
            Perm.POST_LEDGER,
            Perm.MANAGE_ACCOUNTS,
            Perm.LOCK_PERIODS,
            Perm.VIEW_COMMERCE,
            Perm.MANAGE_COMMERCE,
            Perm.VIEW_BILLING,
            Perm.MANAGE_BILLING,
            Perm.VIEW_AUDIT,
            Perm.MANAGE_TOKENS,
            Perm.PREPARE_QUOTES,
            Perm.VIEW_REPORTS,
            *_STAFF_CONVERSE,
        }
    ),
    Role.CLIENT_ADMIN: frozenset(
        {
            Perm.VIEW_DASHBOARD,
            Perm.VIEW_WORK,
            Perm.SUBMIT_WORK,
            Perm.VIEW_LEDGER,
            Perm.VIEW_COMMERCE,
            Perm.VIEW_BILLING,
            Perm.MANAGE_MEMBERS,
            Perm.MANAGE_TOKENS,
            Perm.VIEW_AUDIT,
            Perm.REQUEST_PROJECTS,
            Perm.ACCEPT_QUOTES,
            Perm.MANAGE_DELIVERY,
            Perm.REVEAL_SENSITIVE,
            Perm.VIEW_PRIVACY,
            Perm.REQUEST_PRIVACY,
            Perm.REVIEW_ACCESS,
            *_CONVERSE,
        }
    ),
    Role.CLIENT_USER: frozenset(
        {Perm.VIEW_DASHBOARD, Perm.VIEW_WORK, Perm.SUBMIT_WORK, Perm.REQUEST_PROJECTS, *_CONVERSE}
    ),
    Role.AUDITOR: frozenset(_READ),
}

PROVIDER_ROLES = frozenset(
    {
        Role.PROVIDER_ADMIN,
        Role.OPERATIONS_MANAGER,
        Role.TEAM_LEAD,
        Role.AGENT,
        Role.QA_REVIEWER,
        Role.FINANCE,
        Role.AUDITOR,
    }
)
CLIENT_ROLES = frozenset({Role.CLIENT_ADMIN, Role.CLIENT_USER, Role.AUDITOR})


def role_has(role: str, perm: str) -> bool:
    return perm in ROLE_PERMISSIONS.get(role, frozenset())


def roles_within(role: str) -> frozenset[str]:
    """Roles whose permissions are a subset of `role`'s: what a holder may hand on."""
    mine = ROLE_PERMISSIONS.get(role, frozenset())
    return frozenset(r for r, perms in ROLE_PERMISSIONS.items() if perms <= mine)
