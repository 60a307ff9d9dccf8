"""UK postcode normalisation (no Django)."""

from __future__ import annotations

import re

# Outward code: area (1-2 letters) + district (digit, then digit or letter, optional);
# inward code: sector digit + unit (two letters, never C I K M O V).
_POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][0-9A-Z]?)([0-9][ABD-HJLNP-UW-Z]{2})$")
_OUTWARD = re.compile(r"^[A-Z]{1,2}[0-9][0-9A-Z]?$")


class PostcodeError(ValueError):
    """Text that is not a UK postcode."""


def normalise_postcode(text: str) -> str:
    """Return a postcode in its standard form (``LS6 3AB``), or raise PostcodeError."""
    compact = re.sub(r"\s+", "", text).upper()
    match = _POSTCODE.match(compact)
    if not match:
        raise PostcodeError(f"{text!r} is not a UK postcode")
    return f"{match.group(1)} {match.group(2)}"


def outward_code(text: str) -> str:
    """Return the outward code of a full or partial postcode (``LS6`` of ``ls63ab``)."""
    compact = re.sub(r"\s+", "", text).upper()
    match = _POSTCODE.match(compact)
    if match:
        return match.group(1)
    if _OUTWARD.match(compact):
        return compact
    raise PostcodeError(f"{text!r} has no recognisable outward code")
