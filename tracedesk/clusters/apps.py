from django.apps import AppConfig


class ClustersConfig(AppConfig):
    name = "tracedesk.clusters"
