from django.apps import AppConfig


class ConversationsConfig(AppConfig):
    name = "backoffice.conversations"
    label = "conversations"
