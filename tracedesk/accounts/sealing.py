"""Authenticator secrets encrypted at rest (AES-256-GCM), with a key kept out of the database.

django-otp stores a TOTP secret as hex in ``TOTPDevice.key``; anyone who reads the
database (a backup, a replica, a stolen dump) could otherwise generate every user's
codes. tracedesk stores it sealed instead: ``v1$`` then URL-safe base64 of a random
96-bit nonce, the ciphertext and the GCM tag, which fits the column's 80 characters.
The AES key is derived (HKDF-SHA256) from ``settings.TOTP_KEY``
(``TRACEDESK_TOTP_KEY``); the user's id is authenticated with the secret, so a sealed
secret copied onto another account's row does not decrypt.

``accounts.models.SealedTOTPDevice`` seals on save and unseals in ``bin_key``;
migration ``accounts.0003`` seals the secrets stored before.
"""

from __future__ import annotations

import base64
import binascii
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

PREFIX = "v1$"
NONCE_BYTES = 12
# 80 characters of column: "v1$" + base64 of nonce + secret + 16-byte tag.
MAX_SECRET_BYTES = 29


class SealError(ValueError):
    """A sealed secret that cannot be opened with the configured key."""


def _aead(key: str | None = None) -> AESGCM:
    material = (key if key is not None else settings.TOTP_KEY).encode()
    derived = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"tracedesk totp secrets v1"
    ).derive(material)
    return AESGCM(derived)


def _associated(user_id: int | None) -> bytes:
    return f"tracedesk-totp-user:{user_id}".encode()


def is_sealed(stored: str) -> bool:
    return stored.startswith(PREFIX)


def seal(secret: bytes, user_id: int | None, *, key: str | None = None) -> str:
    """Return the stored form of a raw secret."""
    if len(secret) > MAX_SECRET_BYTES:
        raise ValueError(
            f"an authenticator secret of {len(secret)} bytes does not fit sealed in the "
            f"column (at most {MAX_SECRET_BYTES})"
        )
    nonce = os.urandom(NONCE_BYTES)
    sealed = _aead(key).encrypt(nonce, secret, _associated(user_id))
    return PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode()


def unseal(stored: str, user_id: int | None, *, key: str | None = None) -> bytes:
    """Return the raw secret of a stored (sealed) key."""
    if not is_sealed(stored):
        raise SealError("this authenticator secret is stored unencrypted")
    try:
        blob = base64.urlsafe_b64decode(stored[len(PREFIX) :])
        return _aead(key).decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], _associated(user_id))
    except (InvalidTag, binascii.Error, ValueError):
        raise SealError(
            "an authenticator secret cannot be decrypted with TRACEDESK_TOTP_KEY "
            "(was the key changed, or the row copied from another account?)"
        ) from None


def seal_hex(stored: str, user_id: int | None, *, key: str | None = None) -> str:
    """Seal a hex secret as django-otp stores it; a sealed one is returned unchanged."""
    if is_sealed(stored):
        return stored
    return seal(binascii.unhexlify(stored.encode()), user_id, key=key)


def unseal_to_hex(stored: str, user_id: int | None, *, key: str | None = None) -> str:
    """The reverse of ``seal_hex`` (the migration's way back)."""
    if not is_sealed(stored):
        return stored
    return binascii.hexlify(unseal(stored, user_id, key=key)).decode()
