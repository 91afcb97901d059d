from django.apps import AppConfig


class DeliveryConfig(AppConfig):
    name = "backoffice.delivery"
    label = "delivery"
