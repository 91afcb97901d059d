from django.apps import AppConfig


class IdentityConfig(AppConfig):
    name = "backoffice.identity"
    label = "identity"

    def ready(self) -> None:
        from django.contrib import admin
        from django.contrib.auth.signals import user_logged_in, user_logged_out

        from backoffice.identity import receivers

        user_logged_in.connect(receivers.on_logged_in, dispatch_uid="identity.logged_in")
        user_logged_out.connect(receivers.on_logged_out, dispatch_uid="identity.logged_out")
        # The admin's own login form would skip the second step: it sends people to ours.
        admin.site.login = receivers.admin_login  # type: ignore[method-assign]
