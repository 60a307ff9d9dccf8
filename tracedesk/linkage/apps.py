from django.apps import AppConfig


class LinkageConfig(AppConfig):
    name = "tracedesk.linkage"
    verbose_name = "Person matching"
