from django.apps import AppConfig


class TracingConfig(AppConfig):
    name = "tracedesk.tracing"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_out

        from tracedesk.tracing.signals import offline_on_sign_out

        user_logged_out.connect(offline_on_sign_out, dispatch_uid="tracing-offline-on-sign-out")
