from django.apps import AppConfig


class RetentionConfig(AppConfig):
    name = "tracedesk.retention"

    def ready(self) -> None:
        from tracedesk.retention import checks  # noqa: F401  (registers the system check)
