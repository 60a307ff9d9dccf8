from __future__ import annotations

import hashlib
import secrets

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from tracedesk.accounts import sealing
from tracedesk.accounts.roles import Role


class Team(models.Model):
    """A group of tracers with one supervisor line, in-house or a contractor's."""

    name = models.CharField(max_length=120, unique=True)
    contractor = models.ForeignKey(
        "contracts.Contractor",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="teams",
        help_text="Empty for an in-house team.",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A member of staff. ``jurisdictions`` is the scope of every record they may reach."""

    role = models.CharField(max_length=20, choices=Role.choices)
    jurisdictions = models.ManyToManyField(
        "geography.Jurisdiction",
        blank=True,
        related_name="users",
        help_text="The user sees records in these jurisdictions and every one below them.",
    )
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.PROTECT, related_name="members"
    )

    def save(self, *args: object, **kwargs: object) -> None:
        # The role is the single source of what a user may do; Django's admin site
        # checks our rights too (accounts/admin_rights.py), so is_staff only opens its door.
        self.is_staff = self.role in {Role.ADMIN, Role.SUPERVISOR, Role.HEALTH_PROTECTION}
        super().save(*args, **kwargs)  # type: ignore[arg-type]


class Skill(models.TextChoices):
    CLINICAL = "clinical", "Clinical caseworker"
    COMPLEX = "complex", "Complex cases and settings"
    SAFEGUARDING = "safeguarding", "Safeguarding"
    CHILDREN = "children", "Children and young people"


class TracerProfile(models.Model):
    """What a tracer can take: languages and skills; the contractor employing them.

    The tracer's jurisdictions are the user's scope (``User.jurisdictions``), kept
    in one place for every role.
    """

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="tracer_profile")
    languages = models.JSONField(
        default=list, blank=True, help_text="ISO 639-1 codes, e.g. ['en', 'pl']"
    )
    skills = models.JSONField(default=list, blank=True)
    contractor = models.ForeignKey(
        "contracts.Contractor",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tracers",
    )

    def __str__(self) -> str:
        return f"Tracer profile of {self.user}"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        from tracedesk.lib.languages import is_language_code

        bad = [code for code in self.languages if not is_language_code(code)]
        if bad:
            raise ValidationError({"languages": f"Not ISO 639-1 codes: {', '.join(map(str, bad))}"})
        unknown = [skill for skill in self.skills if skill not in Skill.values]
        if unknown:
            raise ValidationError({"skills": f"Unknown skills: {', '.join(map(str, unknown))}"})


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class ApiToken(models.Model):
    """A bearer token for the API. Only its hash is stored; the token is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=80)
    prefix = models.CharField(max_length=8, help_text="First characters, to recognise a token")
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def new_key() -> str:
        return "td_" + secrets.token_urlsafe(32)


def signed_in(actor: object) -> User | None:
    """Return the actor as a User when it is a signed-in one (None for the system)."""
    return actor if isinstance(actor, User) and actor.is_authenticated else None


class LoginFailure(models.Model):
    """One failed sign-in: the throttle counts these per account and per address.

    A successful sign-in clears its account's rows; an administrator's unlock does
    the same (audited). Rows older than the lockout window no longer count.
    """

    username = models.CharField(max_length=150, help_text="As typed, case-folded")
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["username", "at"]),
            models.Index(fields=["ip_address", "at"]),
        ]

    def __str__(self) -> str:
        return f"failed sign-in at {self.at:%Y-%m-%d %H:%M}"


class Invitation(models.Model):
    """A single-use, expiring link with which an invited member of staff sets a password.

    Only the hash of the link's key is stored; the link is shown once to the
    administrator who sends it.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="invitations")
    key_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Invitation {self.pk} for user {self.user_id}"

    @staticmethod
    def new_key() -> str:
        return secrets.token_urlsafe(32)

    def is_usable(self, now: object | None = None) -> bool:
        moment = now or timezone.now()
        return self.used_at is None and self.expires_at > moment  # type: ignore[operator]


class RecoveryCode(models.Model):
    """A single-use code that stands in for the authenticator app once.

    Ten are made when two-factor sign-in is set up and shown once; only their
    hashes are kept (unlike django-otp's static tokens, which are stored as typed).
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="recovery_codes")
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "code_hash"], name="recovery_code_unique")
        ]

    def __str__(self) -> str:
        return f"Recovery code {self.pk} of user {self.user_id}"


class SealedTOTPDevice(TOTPDevice):
    """django-otp's TOTP authenticator, its secret encrypted at rest (``accounts/sealing.py``).

    The same table as ``otp_totp.TOTPDevice``: the secret is sealed when saved and
    opened only in memory, where django-otp reads it (``bin_key``: verifying a code,
    the QR code's URL). Every tracedesk code path uses this class.
    """

    key: str  # django-otp's column (untyped there): here always the sealed form

    class Meta:
        proxy = True
        verbose_name = "TOTP device (secret encrypted)"

    @property
    def bin_key(self) -> bytes:
        return sealing.unseal(self.key, self.user_id)

    def save(self, *args: object, **kwargs: object) -> None:
        self.key = sealing.seal_hex(self.key, self.user_id)
        super().save(*args, **kwargs)
