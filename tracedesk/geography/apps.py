from django.apps import AppConfig


class GeographyConfig(AppConfig):
    name = "tracedesk.geography"
