"""Deployment checks for accounts: the authenticator-secret key must not live beside the data."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security, deploy=True)
def check_totp_key(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """``check --deploy``: TRACEDESK_TOTP_KEY must be configured, not generated into DATA_DIR."""
    if settings.TOTP_KEY_CONFIGURED:
        return []
    return [
        checks.Warning(
            "TRACEDESK_TOTP_KEY is not set: authenticator secrets are encrypted with a key "
            "generated into the data directory, next to the database it protects.",
            hint="Set TRACEDESK_TOTP_KEY (or TRACEDESK_TOTP_KEY_FILE) from your secret store; "
            "see docs/security.md.",
            id="accounts.W001",
        )
    ]
