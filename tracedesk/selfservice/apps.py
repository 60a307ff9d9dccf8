from django.apps import AppConfig


class SelfserviceConfig(AppConfig):
    name = "tracedesk.selfservice"
