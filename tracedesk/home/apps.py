from django.apps import AppConfig


class HomeConfig(AppConfig):
    name = "tracedesk.home"
