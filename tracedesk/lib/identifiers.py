"""Identifier checks (no Django)."""

from __future__ import annotations

import re


def nhs_check_digit(first_nine: str) -> int | None:
    """Return the modulus-11 check digit for nine digits, or None if none is valid."""
    total = sum(
        int(digit) * weight for digit, weight in zip(first_nine, range(10, 1, -1), strict=True)
    )
    check = 11 - total % 11
    if check == 11:
        return 0
    if check == 10:
        return None
    return check


def is_valid_nhs_number(text: str) -> bool:
    """Return whether ``text`` is ten digits with a correct modulus-11 check digit."""
    if not re.fullmatch(r"[0-9]{10}", text):
        return False
    return nhs_check_digit(text[:9]) == int(text[9])


def normalise_nhs_number(text: str) -> str:
    """Strip spaces and dashes from an NHS number (``943 476 5919`` → ``9434765919``)."""
    return re.sub(r"[\s-]", "", text)


def normalise_uk_phone(text: str) -> str:
    """Return a UK phone number as digits in national form (``07700900123``), or ``''``."""
    digits = re.sub(r"\D", "", text)
    if digits.startswith("44"):
        digits = "0" + digits[2:]
    return digits if len(digits) in (10, 11) and digits.startswith("0") else ""
