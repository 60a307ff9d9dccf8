"""Test support: sign a client in as a user who has given their second factor."""

from __future__ import annotations

from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY

from tracedesk.accounts.models import SealedTOTPDevice, User
from tracedesk.accounts.twofactor import DEVICE_NAME, required_for


def enrolled_device(user: User) -> SealedTOTPDevice:
    """The user's confirmed authenticator, created if they have none."""
    device = SealedTOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = SealedTOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=True)
    return device


def verify_session(client: Client, user: User) -> None:
    """Mark the client's session as having given a TOTP code (as the verify page does)."""
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = enrolled_device(user).persistent_id
    session.save()


def verify_if_required(client: Client, user: User) -> None:
    if required_for(user):
        verify_session(client, user)


def force_verified_login(client: Client, user: User) -> None:
    """``client.force_login`` plus the second factor, for roles that require it."""
    client.force_login(user)
    verify_if_required(client, user)
