from django.apps import AppConfig


class ContractsConfig(AppConfig):
    name = "tracedesk.contracts"
