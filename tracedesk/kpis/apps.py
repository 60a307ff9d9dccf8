from django.apps import AppConfig


class KpisConfig(AppConfig):
    name = "tracedesk.kpis"
