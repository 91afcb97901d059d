"""Second factors, sessions and the sign-in policy.

Factors and sessions belong to a person, not to a tenant: one person may serve several
organizations and signs in once. The policy belongs to a tenant (one row per organization,
set by its admin). Secrets are never stored in the clear: TOTP seeds encrypted
(`identity.crypto`), recovery codes hashed, session keys as SHA-256 digests.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from backoffice.core.scoping import TenantOwned


class Requirement(models.TextChoices):
    OPTIONAL = "optional", "Optional"
    REQUIRED = "required", "Required"


class MfaPolicy(TenantOwned):
    """Whether the organization's people must use a second factor to sign in.

    `staff` applies to the provider's own people (and provider staff serving a client);
    `members` to a client organization's own users. A missing row means the default
    (`identity.policy.default_policy`)."""

    staff = models.CharField(max_length=10, choices=Requirement.choices)
    members = models.CharField(max_length=10, choices=Requirement.choices)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant"], name="identity_policy_one_per_tenant"),
            models.CheckConstraint(
                condition=Q(staff__in=["optional", "required"])
                & Q(members__in=["optional", "required"]),
                name="identity_policy_values",
            ),
        ]

    def __str__(self) -> str:
        return f"Two-step sign-in policy of organization {self.tenant_id}"


class TotpDevice(models.Model):
    """An authenticator app. Active once confirmed with a code; one per person."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="totp_device"
    )
    secret_encrypted = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    # The 30-second time step of the last code accepted: a code of that step or an earlier
    # one is never accepted again (no replay within the window).
    last_step = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(last_step__gte=0), name="identity_totp_step_ge_0")
        ]

    def __str__(self) -> str:
        return f"Authenticator app of user {self.user_id}"

    @property
    def is_active(self) -> bool:
        return self.confirmed_at is not None


class RecoveryCode(models.Model):
    """A single-use code for when the authenticator is lost. Only its hash is stored."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="recovery_codes"
    )
    code_hash = models.CharField(max_length=255)
    created_at = models.DateTimeField(auto_now_add=True)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "used_at"], name="identity_recovery_user")]

    def __str__(self) -> str:
        return f"Recovery code of user {self.user_id}"


class Passkey(models.Model):
    """A WebAuthn credential (a passkey or a security key) registered by a person."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="passkeys"
    )
    name = models.CharField(max_length=100)
    credential_id = models.BinaryField()
    credential_id_b64 = models.CharField(max_length=400, unique=True)
    public_key = models.BinaryField()
    sign_count = models.BigIntegerField(default=0)
    transports = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "name"], name="identity_passkey_name_unique"),
            models.CheckConstraint(condition=Q(sign_count__gte=0), name="identity_passkey_count"),
            models.CheckConstraint(condition=~Q(name=""), name="identity_passkey_named"),
        ]

    def __str__(self) -> str:
        return self.name


class UserSession(models.Model):
    """A signed-in browser: what the person sees on their Security page.

    The session key itself is never stored (a digest is), so this table cannot be used to
    take over a session. Ending a row signs that browser out at its next request."""

    class EndReason(models.TextChoices):
        SIGNED_OUT = "signed_out", "Signed out"
        REVOKED = "revoked", "Signed out from another device"
        IDLE = "idle", "Idle too long"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="identity_sessions"
    )
    key_hash = models.CharField(max_length=64, unique=True)
    user_agent = models.CharField(max_length=400, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    method = models.CharField(max_length=20, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(max_length=20, choices=EndReason.choices, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "ended_at"], name="identity_session_user")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True, end_reason="")
                | Q(ended_at__isnull=False) & ~Q(end_reason=""),
                name="identity_session_end_has_reason",
            )
        ]

    def __str__(self) -> str:
        return f"Session {self.pk} of user {self.user_id}"


class SsoConnection(TenantOwned):
    """A client organization's own identity provider (OpenID Connect), set by its admin.

    The client secret is stored encrypted (`identity.crypto`) and never shown back. Users who
    sign in through it for the first time get an account with `default_role`; with
    `required`, the organization's own users may not sign in any other way (provider staff
    serving the client are not bound)."""

    issuer = models.CharField(max_length=300)
    client_id = models.CharField(max_length=200)
    client_secret_encrypted = models.TextField(blank=True)
    default_role = models.CharField(max_length=32, default="client_user")
    required = models.BooleanField(default=False)
    enabled = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant"], name="identity_sso_one_per_tenant"),
            models.CheckConstraint(
                condition=Q(default_role__in=["client_user", "auditor"]),
                name="identity_sso_default_role",
            ),
            models.CheckConstraint(condition=~Q(issuer=""), name="identity_sso_issuer_set"),
            models.CheckConstraint(condition=~Q(client_id=""), name="identity_sso_client_set"),
        ]

    def __str__(self) -> str:
        return f"Single sign-on of organization {self.tenant_id}"


class SsoDomain(TenantOwned):
    """An email domain whose people sign in through the organization's identity provider.
    A domain belongs to one organization only (a database constraint)."""

    connection = models.ForeignKey(SsoConnection, on_delete=models.CASCADE, related_name="domains")
    domain = models.CharField(max_length=253, unique=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=~Q(domain=""), name="identity_sso_domain")]

    def __str__(self) -> str:
        return self.domain


class SsoIdentity(TenantOwned):
    """A person as their organization's identity provider names them (issuer + subject)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sso_identities"
    )
    issuer = models.CharField(max_length=300)
    subject = models.CharField(max_length=255)
    created_at = models.DateTimeField(auto_now_add=True)
    last_signed_in_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["issuer", "subject"], name="identity_sso_subject_once")
        ]

    def __str__(self) -> str:
        return f"{self.subject} at {self.issuer}"


class AccessReview(TenantOwned):
    """A campaign in which the client's admin certifies the provider staff who can reach the
    client's data. Access still undecided at the deadline is removed (`close_due_reviews`)."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    deadline = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant"],
                condition=Q(status="open"),
                name="identity_review_one_open",
            ),
            models.CheckConstraint(
                condition=Q(status="open", closed_at__isnull=True)
                | Q(status="closed", closed_at__isnull=False),
                name="identity_review_closed_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"Access review {self.pk} of organization {self.tenant_id}"


class AccessReviewLine(TenantOwned):
    """One provider staff member's access to the client, to be certified or revoked."""

    class Decision(models.TextChoices):
        PENDING = "pending", "Not decided"
        CERTIFIED = "certified", "Certified"
        REVOKED = "revoked", "Revoked"
        EXPIRED = "expired", "Removed at the deadline"

    review = models.ForeignKey(AccessReview, on_delete=models.CASCADE, related_name="lines")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(max_length=32)
    decision = models.CharField(max_length=10, choices=Decision.choices, default=Decision.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "review", "user"], name="identity_review_line_once"
            ),
            models.CheckConstraint(
                condition=Q(decision="pending", decided_at__isnull=True)
                | (~Q(decision="pending") & Q(decided_at__isnull=False)),
                name="identity_review_line_decided_time",
            ),
        ]

    def __str__(self) -> str:
        return f"Access of user {self.user_id} in review {self.review_id}"
