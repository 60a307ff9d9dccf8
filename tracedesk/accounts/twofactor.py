"""Two-factor sign-in: a TOTP authenticator app (django-otp) and single-use recovery codes.

Supervisors, health protection staff and administrators must use it: after the
password they are sent to set it up (first time) or to enter a code (every
sign-in) before any other page opens (``middleware.TwoFactorMiddleware``). Any
other member of staff may set it up too, and is then asked for a code as well.
"""

from __future__ import annotations

import hashlib
import secrets
from base64 import b32encode

import segno
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django_otp import login as otp_login
from django_otp.oath import TOTP

from tracedesk.accounts.models import RecoveryCode, SealedTOTPDevice, User
from tracedesk.accounts.roles import Role

TWO_FACTOR_ROLES = frozenset({Role.SUPERVISOR, Role.HEALTH_PROTECTION, Role.ADMIN})
RECOVERY_CODES = 10
DEVICE_NAME = "Authenticator app"
_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and retyped


def required_for(user: object) -> bool:
    return getattr(user, "role", "") in TWO_FACTOR_ROLES


def confirmed_device(user: User) -> SealedTOTPDevice | None:
    return SealedTOTPDevice.objects.filter(user=user, confirmed=True).first()


def needs_verification(user: object) -> bool:
    """A signed-in user who must still enter a code in this session."""
    if not getattr(user, "is_authenticated", False):
        return False
    if getattr(user, "otp_device", None) is not None:
        return False
    return required_for(user) or SealedTOTPDevice.objects.filter(user=user, confirmed=True).exists()


def pending_device(user: User) -> SealedTOTPDevice:
    """Return the user's unconfirmed device (a new secret), creating it on first call."""
    device = SealedTOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = SealedTOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    return device


def secret_base32(device: SealedTOTPDevice) -> str:
    """The secret as an authenticator app's 'enter a key' form expects it."""
    return b32encode(device.bin_key).decode().rstrip("=")


def qr_svg(device: SealedTOTPDevice) -> str:
    """The otpauth:// URL as an inline SVG QR code (no script, no external image)."""
    qr = segno.make(device.config_url, error="m")
    svg: str = qr.svg_inline(scale=4, title="QR code for your authenticator app")
    return svg.replace(
        "<svg ", '<svg role="img" aria-label="QR code for your authenticator app" ', 1
    )


def current_code(device: SealedTOTPDevice) -> str:
    """The code an authenticator app shows now (tests and the demo use it)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def _hash_code(code: str) -> str:
    cleaned = "".join(ch for ch in code.upper() if ch.isalnum())
    return hashlib.sha256(cleaned.encode()).hexdigest()


def new_recovery_codes(user: User) -> list[str]:
    """Replace the user's recovery codes with fresh ones; return them (shown once)."""
    codes = [
        "-".join("".join(secrets.choice(_CODE_ALPHABET) for _ in range(5)) for _ in range(2))
        for _ in range(RECOVERY_CODES)
    ]
    RecoveryCode.objects.filter(user=user).delete()
    RecoveryCode.objects.bulk_create(
        RecoveryCode(user=user, code_hash=_hash_code(code)) for code in codes
    )
    return codes


def unused_recovery_codes(user: User) -> int:
    return RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()


def _use_recovery_code(user: User, code: str) -> bool:
    used = RecoveryCode.objects.filter(
        user=user, code_hash=_hash_code(code), used_at__isnull=True
    ).update(used_at=timezone.now())
    return used == 1


@transaction.atomic
def check_code(user: User, device: SealedTOTPDevice, code: str) -> str | None:
    """Check a six-digit code or a recovery code; return "app", "recovery", "throttled" or None.

    Failures count towards django-otp's throttle on the device (a wait that doubles
    after each failure), for recovery codes as well as app codes; while it runs no
    code is even looked at. A code already used (the same 30-second TOTP step, or a
    spent recovery code) is refused.
    """
    device = SealedTOTPDevice.objects.select_for_update().get(pk=device.pk)
    allowed, _ = device.verify_is_allowed()
    if not allowed:
        return "throttled"
    token = code.strip().replace(" ", "")
    if token.isdigit():
        return "app" if device.verify_token(token) else None  # verify_token counts failures
    if _use_recovery_code(user, token):
        device.throttle_reset()
        return "recovery"
    device.throttle_increment()
    return None


def mark_verified(request: HttpRequest, device: SealedTOTPDevice) -> None:
    """Record in the session that the second factor was given."""
    otp_login(request, device)
