from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "tracedesk.cases"
