"""What the exports keep: an API token's recent password confirmation."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from tracedesk.accounts.models import ApiToken


class TokenConfirmation(models.Model):
    """The holder of an API token gave their password (and code) again at ``confirmed_at``.

    The API's equivalent of the web's "confirm it is still you" before a bulk export of
    records: valid for ``TRACEDESK_REAUTH_SECONDS``, for this token only (another token of
    the same user, or a stolen copy used after the window, must confirm again).
    """

    token = models.OneToOneField(ApiToken, on_delete=models.CASCADE, related_name="confirmation")
    confirmed_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.token} confirmed at {self.confirmed_at:%Y-%m-%d %H:%M}"
