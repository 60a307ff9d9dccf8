"""Authenticator secrets are encrypted at rest, and sign-in still works with them."""

from __future__ import annotations

import binascii
import importlib
from typing import Any

import pytest
from django.apps import apps
from django_otp.plugins.otp_totp.models import TOTPDevice
from hypothesis import given
from hypothesis import strategies as st

from tracedesk.accounts import sealing, twofactor
from tracedesk.accounts.models import SealedTOTPDevice
from tracedesk.testing.world import World

migration = importlib.import_module("tracedesk.accounts.migrations.0003_sealed_totp_secrets")


def _stored_key(device: TOTPDevice) -> str:
    return TOTPDevice.objects.values_list("key", flat=True).get(pk=device.pk)


def test_a_new_authenticator_is_stored_encrypted(world: World) -> None:
    device = twofactor.pending_device(world.users["tracer_a"])
    stored = _stored_key(device)
    secret = device.bin_key
    assert stored.startswith(sealing.PREFIX) and len(stored) <= 80
    assert binascii.hexlify(secret).decode() not in stored
    assert len(secret) == 20
    # The code an app computes from the secret (as shown by the QR code) verifies.
    assert device.verify_token(twofactor.current_code(device))
    assert twofactor.secret_base32(device) in device.config_url


def test_saving_again_never_double_encrypts(world: World) -> None:
    device = twofactor.pending_device(world.users["tracer_a"])
    secret = device.bin_key
    device.confirmed = True
    device.save()
    again = SealedTOTPDevice.objects.get(pk=device.pk)
    assert again.bin_key == secret


def test_another_key_cannot_open_the_secret(world: World, settings: Any) -> None:
    device = twofactor.pending_device(world.users["tracer_a"])
    settings.TOTP_KEY = "another-key-entirely-" + "x" * 20
    with pytest.raises(sealing.SealError, match="TRACEDESK_TOTP_KEY"):
        _ = SealedTOTPDevice.objects.get(pk=device.pk).bin_key


def test_a_secret_copied_onto_another_account_does_not_open(world: World) -> None:
    mine = twofactor.pending_device(world.users["tracer_a"])
    theirs = twofactor.pending_device(world.users["tracer_b"])
    TOTPDevice.objects.filter(pk=theirs.pk).update(key=_stored_key(mine))
    with pytest.raises(sealing.SealError):
        _ = SealedTOTPDevice.objects.get(pk=theirs.pk).bin_key


def test_the_migration_encrypts_secrets_stored_before_it(world: World) -> None:
    user = world.users["tracer_a"]
    clear = "3132333435363738393031323334353637383930"
    old = TOTPDevice.objects.create(user=user, name="old", confirmed=True, key=clear)
    assert _stored_key(old) == clear
    migration.seal_existing(apps, None)
    stored = _stored_key(old)
    assert stored.startswith(sealing.PREFIX)
    sealed = SealedTOTPDevice.objects.get(pk=old.pk)
    assert sealed.bin_key == binascii.unhexlify(clear)
    assert sealed.verify_token(twofactor.current_code(sealed))
    migration.seal_existing(apps, None)  # idempotent
    assert _stored_key(old) == stored
    migration.unseal_existing(apps, None)  # and reversible
    assert _stored_key(old) == clear


@given(secret=st.binary(min_size=1, max_size=sealing.MAX_SECRET_BYTES), user_id=st.integers(1))
def test_sealing_round_trips_and_fits_the_column(secret: bytes, user_id: int) -> None:
    stored = sealing.seal(secret, user_id, key="k" * 40)
    assert len(stored) <= 80
    assert sealing.unseal(stored, user_id, key="k" * 40) == secret


def test_a_secret_too_long_to_seal_is_refused() -> None:
    with pytest.raises(ValueError, match="does not fit"):
        sealing.seal(b"x" * (sealing.MAX_SECRET_BYTES + 1), 1, key="k" * 40)
