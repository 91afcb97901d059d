"""Provider admins hold every Django model permission, so the admin site serves them."""

from typing import Any

from django.contrib.auth.backends import BaseBackend

from backoffice.tenancy.roles import Role


def is_provider_admin(user: Any) -> bool:
    if not (user.is_active and user.is_staff):
        return False
    if user.is_superuser:
        return True
    cached = getattr(user, "_is_provider_admin", None)
    if cached is None:
        from backoffice.tenancy.models import Membership

        cached = Membership.objects.filter(
            user=user, is_active=True, role=Role.PROVIDER_ADMIN, organization__kind="provider"
        ).exists()
        user._is_provider_admin = cached
    return bool(cached)


class ProviderAdminBackend(BaseBackend):
    def has_perm(self, user_obj: Any, perm: str, obj: Any = None) -> bool:
        return is_provider_admin(user_obj)

    def has_module_perms(self, user_obj: Any, app_label: str) -> bool:
        return is_provider_admin(user_obj)
