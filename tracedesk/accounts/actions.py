"""Writes to staff accounts: each atomic and audited."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from tracedesk.accounts import throttle, twofactor
from tracedesk.accounts.models import (
    ApiToken,
    Invitation,
    RecoveryCode,
    SealedTOTPDevice,
    Team,
    TracerProfile,
    User,
    hash_token,
    signed_in,
)
from tracedesk.accounts.roles import Role
from tracedesk.accounts.scope import forget_scope
from tracedesk.audit.actions import record_event
from tracedesk.audit.models import Action
from tracedesk.geography.models import Jurisdiction


@transaction.atomic
def create_staff_user(
    *,
    username: str,
    role: str,
    jurisdictions: Iterable[Jurisdiction],
    password: str,
    team: Team | None = None,
    languages: Iterable[str] = ("en",),
    actor: object,
    source: str,
) -> User:
    """Create a staff account with its scope (and a tracer profile for tracing roles)."""
    user = User(username=username, role=role, team=team)
    validate_password(password, user)
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    user.jurisdictions.set(jurisdictions)
    if role in {Role.TRACER, Role.SUPERVISOR, Role.HEALTH_PROTECTION}:
        TracerProfile.objects.create(user=user, languages=list(languages))
    record_event(actor, Action.CREATE, user, purpose="staff account created", source=source)
    return user


@transaction.atomic
def issue_token(user: User, name: str, *, actor: object, source: str) -> tuple[ApiToken, str]:
    """Create an API token for ``user``; return it and the key, which is never stored."""
    key = ApiToken.new_key()
    token = ApiToken.objects.create(user=user, name=name, prefix=key[:8], key_hash=hash_token(key))
    record_event(actor, Action.CREATE, token, purpose="API token issued", source=source)
    return token, key


# --- Staff lifecycle (administrators, in the staff UI) ---------------------------


@transaction.atomic
def invite_user(
    *,
    username: str,
    role: str,
    jurisdictions: Iterable[Jurisdiction],
    email: str = "",
    actor: User,
    source: str,
) -> tuple[User, str]:
    """Create an account with no password and a single-use link to choose one.

    Returns the user and the link's key, which is never stored (only its hash).
    """
    user = User(username=username, role=role, email=email)
    user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    user.jurisdictions.set(jurisdictions)
    if role in {Role.TRACER, Role.SUPERVISOR, Role.HEALTH_PROTECTION}:
        TracerProfile.objects.create(user=user, languages=["en"])
    record_event(actor, Action.CREATE, user, purpose="staff account invited", source=source)
    key = _new_invitation(user, actor=actor, source=source)
    return user, key


def _new_invitation(user: User, *, actor: User, source: str) -> str:
    key = Invitation.new_key()
    now = timezone.now()
    # A new link replaces any earlier one that was not used.
    Invitation.objects.filter(user=user, used_at__isnull=True).update(expires_at=now)
    invitation = Invitation.objects.create(
        user=user,
        key_hash=hash_token(key),
        created_by=signed_in(actor),
        created_at=now,
        expires_at=now + dt.timedelta(hours=settings.INVITATION_HOURS),
    )
    record_event(actor, Action.CREATE, invitation, purpose="invitation link issued", source=source)
    return key


@transaction.atomic
def reissue_invitation(user: User, *, actor: User, source: str) -> str:
    """Issue a fresh link (the earlier one stops working)."""
    return _new_invitation(user, actor=actor, source=source)


def invitation_for_key(key: str) -> Invitation | None:
    """The usable invitation this link names, or None (unknown, used or expired)."""
    found = Invitation.objects.select_related("user").filter(key_hash=hash_token(key)).first()
    if found is None or not found.is_usable() or not found.user.is_active:
        return None
    return found


@transaction.atomic
def accept_invitation(invitation: Invitation, password: str, *, source: str) -> User:
    """Set the invited user's password and spend the link (once only, even if raced)."""
    spent = Invitation.objects.filter(
        pk=invitation.pk, used_at__isnull=True, expires_at__gt=timezone.now()
    ).update(used_at=timezone.now())
    if spent != 1:
        raise ValidationError("This invitation link has already been used or has expired.")
    user = invitation.user
    validate_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    record_event(
        user, Action.UPDATE, invitation, purpose="invitation accepted, password set", source=source
    )
    return user


@transaction.atomic
def set_active(user: User, active: bool, *, actor: User, source: str) -> int:
    """Disable (or re-enable) an account. Disabling revokes its API tokens at once.

    Returns the number of tokens revoked. A disabled user's sessions end on their
    next request (Django's backend refuses inactive users).
    """
    if user.pk == getattr(actor, "pk", None) and not active:
        raise ValidationError("You cannot disable your own account.")
    user.is_active = active
    user.save(update_fields=["is_active", "is_staff"])
    revoked = 0
    if not active:
        revoked = ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        Invitation.objects.filter(user=user, used_at__isnull=True).update(expires_at=timezone.now())
    record_event(
        actor,
        Action.UPDATE,
        user,
        purpose="account disabled" if not active else "account re-enabled",
        source=source,
        fields=["is_active"],
    )
    return revoked


@transaction.atomic
def change_role(user: User, role: str, *, actor: User, source: str) -> None:
    """Change what an account may do (never one's own: no self-promotion or lock-out)."""
    if user.pk == getattr(actor, "pk", None):
        raise ValidationError({"role": "You cannot change your own role."})
    if role not in Role.values:
        raise ValidationError({"role": f"Unknown role {role!r}."})
    user.role = role
    user.save(update_fields=["role", "is_staff"])
    if role in {Role.TRACER, Role.SUPERVISOR, Role.HEALTH_PROTECTION}:
        TracerProfile.objects.get_or_create(user=user, defaults={"languages": ["en"]})
    record_event(actor, Action.UPDATE, user, purpose="role changed", source=source, fields=["role"])


@transaction.atomic
def change_jurisdictions(
    user: User, jurisdictions: Iterable[Jurisdiction], *, actor: User, source: str
) -> None:
    """Change an account's scope."""
    chosen = list(jurisdictions)
    if not chosen:
        raise ValidationError({"jurisdictions": "Choose at least one jurisdiction."})
    user.jurisdictions.set(chosen)
    forget_scope(user)
    record_event(
        actor,
        Action.UPDATE,
        user,
        purpose="jurisdictions changed",
        source=source,
        fields=["jurisdictions"],
    )


@transaction.atomic
def unlock_account(user: User, *, actor: User, source: str) -> int:
    """Lift a sign-in lockout now: forget the account's failed sign-ins."""
    cleared = throttle.clear_account(user.username)
    record_event(actor, Action.UPDATE, user, purpose="sign-in lockout lifted", source=source)
    return cleared


@transaction.atomic
def reset_two_factor(user: User, *, actor: User, source: str) -> None:
    """Remove an account's authenticator and recovery codes (lost phone): set up again."""
    SealedTOTPDevice.objects.filter(user=user).delete()
    RecoveryCode.objects.filter(user=user).delete()
    record_event(actor, Action.DELETE, user, purpose="two-factor sign-in reset", source=source)


@transaction.atomic
def confirm_two_factor(
    user: User, device: SealedTOTPDevice, code: str, *, source: str
) -> list[str]:
    """Confirm a new authenticator with its first code; return fresh recovery codes."""
    if device.user_id != user.pk or device.confirmed:
        raise ValidationError({"code": "Start the set-up again."})
    if not device.verify_token(code.strip()):
        raise ValidationError({"code": "That code is not right; check the app and try again."})
    SealedTOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = twofactor.new_recovery_codes(user)
    record_event(user, Action.CREATE, device, purpose="two-factor sign-in set up", source=source)
    return codes


@transaction.atomic
def regenerate_recovery_codes(user: User, *, source: str) -> list[str]:
    codes = twofactor.new_recovery_codes(user)
    record_event(user, Action.UPDATE, user, purpose="recovery codes replaced", source=source)
    return codes
