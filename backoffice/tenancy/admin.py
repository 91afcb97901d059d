from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.http import HttpRequest

from backoffice.tenancy import events, services
from backoffice.tenancy.backends import is_provider_admin
from backoffice.tenancy.models import ApiToken, Membership, Organization, User


def _is_provider_admin(request: HttpRequest) -> bool:
    return is_provider_admin(request.user)


admin.site.has_permission = _is_provider_admin  # type: ignore[method-assign]


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "kind", "country", "timezone", "currency", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "slug"]
    inlines = [MembershipInline]

    def save_model(self, request: HttpRequest, obj: Organization, form: Any, change: bool) -> None:
        """New organizations go through the service, so creation is audited like any other."""
        if change:
            super().save_model(request, obj, form, change)
            changes = {f: form.cleaned_data.get(f) for f in form.changed_data}
            events.record(
                tenant=obj,
                actor=request.user,  # type: ignore[arg-type]
                event=events.organization_changed_event(obj, changes=changes),
            )
            return
        created = services.create_organization(
            slug=obj.slug,
            name=obj.name,
            kind=obj.kind,
            provider=obj.provider,
            country=obj.country,
            timezone_name=obj.timezone,
            currency=obj.currency,
            actor=request.user,  # type: ignore[arg-type]
        )
        obj.pk = created.pk
        obj.created_at = created.created_at


@admin.register(User)
class BackofficeUserAdmin(UserAdmin):
    list_display = ["username", "display_name", "email", "is_active", "is_staff"]
    fieldsets = (
        *(UserAdmin.fieldsets or ()),
        ("Backoffice", {"fields": ("display_name", "timezone")}),
    )


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "tenant", "role", "prefix", "expires_at", "revoked_at"]
    readonly_fields = ["digest", "prefix", "created_at", "last_used_at"]
    list_filter = ["role"]
