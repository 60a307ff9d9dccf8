"""Demo: enrol the demo accounts whose roles need two-factor sign-in."""

from __future__ import annotations

from django.db import transaction

from tracedesk.accounts import twofactor
from tracedesk.accounts.models import SealedTOTPDevice, User

RECOVERY_CODES_SHOWN = 3


@transaction.atomic
def populate(*, seed: int) -> str:
    """Give each active demo account of a two-factor role an authenticator and recovery codes.

    Returns the lines to print: each account's key (for an authenticator app) and a
    few single-use recovery codes, so the demo can be tried with or without a phone.
    """
    del seed  # keys and codes are secrets: random on every run, like the passwords
    lines = [
        "Two-factor sign-in (supervisor, health protection, administrator): after the password,"
        " type the code from an authenticator app given the key below, or one recovery code"
        " (each works once):"
    ]
    users = User.objects.filter(
        username__startswith="demo.", is_active=True, role__in=twofactor.TWO_FACTOR_ROLES
    ).order_by("username")
    for user in users:
        SealedTOTPDevice.objects.filter(user=user).delete()
        device = SealedTOTPDevice.objects.create(
            user=user, name=twofactor.DEVICE_NAME, confirmed=True
        )
        codes = twofactor.new_recovery_codes(user)[:RECOVERY_CODES_SHOWN]
        # Named by role, not username: the login lines below are the ones that name accounts.
        lines.append(
            f"  {user.get_role_display():<18} key {twofactor.secret_base32(device)}"
            f"   codes {' '.join(codes)}"
        )
    return "\n".join(lines)
