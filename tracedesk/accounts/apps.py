from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "tracedesk.accounts"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from tracedesk.accounts import checks  # noqa: F401  (registers the deploy check)
        from tracedesk.accounts.reauth import mark_authenticated

        def _stamp(sender: object, request: object, **kwargs: object) -> None:
            # A password just given counts as a recent confirmation; a user with
            # two-factor sign-in still cannot open any page before giving a code.
            if request is not None and hasattr(request, "session"):
                mark_authenticated(request)  # type: ignore[arg-type]

        user_logged_in.connect(_stamp, weak=False, dispatch_uid="tracedesk-reauth-stamp")
