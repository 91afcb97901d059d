from django.apps import AppConfig


class DeliveryConfig(AppConfig):
    name = "backoffice.delivery"
    label = "delivery"

    def ready(self) -> None:
        from backoffice.delivery import receivers
        from backoffice.work import signals

        signals.item_completed.connect(receivers.on_item_completed, dispatch_uid="delivery.item")
        signals.batch_completed.connect(receivers.on_batch_completed, dispatch_uid="delivery.batch")
