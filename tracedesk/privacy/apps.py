from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "tracedesk.privacy"

    def ready(self) -> None:
        from tracedesk.privacy import checks  # noqa: F401  (registers the system check)
