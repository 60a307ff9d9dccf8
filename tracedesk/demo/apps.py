from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "tracedesk.demo"
