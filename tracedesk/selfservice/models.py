from __future__ import annotations

import hashlib

from django.db import models
from django.db.models import Q
from django.utils import timezone


class LinkKind(models.TextChoices):
    SELF_SERVICE = "self_service", "Self-service contact form"
    CHECK_IN = "check_in", "Daily check-in"


def hash_token(token: str) -> str:
    """Return the stored form of a link's token (only the hash is ever stored)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class AccessLink(models.Model):
    """A single-use, expiring link sent to one person: no account, no password.

    The token itself is in the message only; the database keeps its SHA-256, so
    a copy of the database opens no form. A self-service link also asks for the
    person's date of birth, and locks after ``SELF_SERVICE_DOB_ATTEMPTS`` wrong ones.
    """

    kind = models.CharField(max_length=12, choices=LinkKind.choices)
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="links")
    jurisdiction = models.ForeignKey("geography.Jurisdiction", on_delete=models.PROTECT)
    case = models.ForeignKey(
        "cases.Case", null=True, blank=True, on_delete=models.PROTECT, related_name="links"
    )
    follow_up = models.ForeignKey(
        "followup.FollowUp",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="links",
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    failed_checks = models.PositiveSmallIntegerField(default=0)
    locked_at = models.DateTimeField(null=True, blank=True)
    verified_at = models.DateTimeField(null=True, blank=True)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"], condition=Q(kind="self_service"), name="one_invitation_per_case"
            ),
            models.UniqueConstraint(
                fields=["follow_up"], condition=Q(kind="check_in"), name="one_link_per_check_in"
            ),
            models.CheckConstraint(
                name="link_has_its_kinds_target",
                condition=Q(kind="self_service", case__isnull=False)
                | Q(kind="check_in", follow_up__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} link {self.pk}"

    def state(self, now: object = None) -> str:
        """'open', 'used', 'locked' or 'expired' (in that order of precedence)."""
        if self.used_at:
            return "used"
        if self.locked_at:
            return "locked"
        if self.expires_at <= (now or timezone.now()):  # type: ignore[operator]
            return "expired"
        return "open"


class Throttle(models.Model):
    """Attempts from one network address in one hour (the address is stored keyed-hashed)."""

    key = models.CharField(max_length=64)
    window_start = models.DateTimeField()
    hits = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["key", "window_start"], name="one_throttle_window")
        ]

    def __str__(self) -> str:
        return f"{self.hits} hits from {self.window_start:%H:%M}"
