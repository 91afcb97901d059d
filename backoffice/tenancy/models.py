"""Organizations (the provider and its clients), users, memberships and API tokens."""

from __future__ import annotations

import hashlib

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q

from backoffice.tenancy.roles import Perm, Role

# What a client admin may withhold from one member of the client (a grant narrows the role's
# permissions, never widens them): the flag on `Membership` and the permissions it withholds.
GRANT_FLAGS: dict[str, tuple[str, ...]] = {
    "may_submit": (Perm.SUBMIT_WORK,),
    "may_accept_quotes": (Perm.ACCEPT_QUOTES,),
    "may_see_invoices": (Perm.VIEW_BILLING, Perm.VIEW_COMMERCE),
}
# The roles a client admin narrows: the client's own people, never provider staff.
GRANTABLE_ROLES = (Role.CLIENT_ADMIN, Role.CLIENT_USER)


class Organization(models.Model):
    """A tenant. Exactly one provider runs the platform; each client is served by it."""

    class Kind(models.TextChoices):
        PROVIDER = "provider", "Provider"
        CLIENT = "client", "Client"

    slug = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    provider = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="clients"
    )
    country = models.CharField(max_length=2, default="US", help_text="ISO 3166-1 alpha-2")
    timezone = models.CharField(max_length=64, default="UTC", help_text="IANA time zone")
    currency = models.CharField(max_length=3, default="USD", help_text="Reporting currency")
    legal_name = models.CharField(max_length=200, blank=True)
    address = models.TextField(blank=True, help_text="Postal address printed on documents")
    tax_id = models.CharField(max_length=50, blank=True, help_text="VAT or tax number")
    email = models.EmailField(blank=True)
    logo = models.FileField(upload_to="logos/", blank=True, help_text="PNG or SVG for documents")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="provider") & Q(provider__isnull=True))
                | (Q(kind="client") & Q(provider__isnull=False)),
                name="org_client_has_provider",
            ),
            models.UniqueConstraint(
                fields=["kind"], condition=Q(kind="provider"), name="org_single_provider"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_provider(self) -> bool:
        return self.kind == self.Kind.PROVIDER


class User(AbstractUser):
    """A person who signs in. What they may do depends on their memberships."""

    display_name = models.CharField(max_length=200, blank=True)
    timezone = models.CharField(max_length=64, default="UTC")

    def __str__(self) -> str:
        return self.display_name or self.username


class Membership(models.Model):
    """A user's role in one organization. Provider staff join the clients they serve."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=32, choices=Role.choices)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Grants (a client admin narrows a client member; the defaults keep the role as it is).
    # Which engagements: all of the client's, or only those named in `work.EngagementGrant`.
    all_engagements = models.BooleanField(default=True)
    may_submit = models.BooleanField(default=True)
    may_accept_quotes = models.BooleanField(default=True)
    may_see_invoices = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "user"], name="membership_unique"),
            models.CheckConstraint(
                condition=Q(role__in=[r.value for r in Role]), name="membership_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.organization} · {self.get_role_display()}"

    @property
    def sees_all_engagements(self) -> bool:
        return self.all_engagements or not self.grants_apply

    @property
    def grants_apply(self) -> bool:
        """Grants narrow the client's own people only; a member given a provider or auditor
        role keeps that role whole (the flags stay, unused, until a client role returns)."""
        return self.role in GRANTABLE_ROLES and self.organization.kind == "client"

    def withheld_permissions(self) -> frozenset[str]:
        """The role's permissions this member's grants take away."""
        if not self.grants_apply:
            return frozenset()
        return frozenset(
            p for f, perms in GRANT_FLAGS.items() if not getattr(self, f) for p in perms
        )


class ApiToken(models.Model):
    """A personal API token: scoped to one tenant and one role, expiring and revocable.

    Only a SHA-256 digest of the secret is stored; the full token is shown once.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    tenant = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    role = models.CharField(max_length=32, choices=Role.choices)
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16, unique=True)
    digest = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["tenant", "user"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def digest_of(secret: str) -> str:
        return hashlib.sha256(secret.encode()).hexdigest()
