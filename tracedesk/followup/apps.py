from django.apps import AppConfig


class FollowupConfig(AppConfig):
    name = "tracedesk.followup"
