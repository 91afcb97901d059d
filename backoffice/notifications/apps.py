from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "backoffice.notifications"
    label = "notifications"

    def ready(self) -> None:
        from anymail.signals import inbound

        from backoffice.conversations.hooks import message_posted
        from backoffice.notifications import receivers

        message_posted.connect(receivers.on_message_posted, dispatch_uid="notifications.posted")
        inbound.connect(receivers.on_inbound, dispatch_uid="notifications.inbound")
