from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tracedesk.lib.identifiers import (
    is_valid_nhs_number,
    nhs_check_digit,
    normalise_nhs_number,
    normalise_uk_phone,
)
from tracedesk.lib.postcodes import PostcodeError, normalise_postcode, outward_code


@given(st.text(alphabet="0123456789", min_size=9, max_size=9))
def test_a_computed_check_digit_validates(stem: str) -> None:
    check = nhs_check_digit(stem)
    if check is None:
        assert not any(is_valid_nhs_number(stem + str(d)) for d in range(10))
    else:
        assert is_valid_nhs_number(stem + str(check))
        assert not is_valid_nhs_number(stem + str((check + 1) % 10))


def test_known_nhs_numbers() -> None:
    assert is_valid_nhs_number("9434765919")
    assert not is_valid_nhs_number("9434765918")
    assert not is_valid_nhs_number("943476591")
    assert normalise_nhs_number("943 476 5919") == "9434765919"


@pytest.mark.parametrize(
    ("text", "phone"),
    [("07700 900123", "07700900123"), ("+44 7700 900123", "07700900123"), ("123", "")],
)
def test_phones(text: str, phone: str) -> None:
    assert normalise_uk_phone(text) == phone


@pytest.mark.parametrize(
    ("text", "postcode"),
    [("ls63ab", "LS6 3AB"), (" nw1  2bb ", "NW1 2BB"), ("EC1A1BB", "EC1A 1BB")],
)
def test_postcodes(text: str, postcode: str) -> None:
    assert normalise_postcode(text) == postcode
    assert outward_code(text) == postcode.split()[0]


@pytest.mark.parametrize("text", ["", "LS6", "12345", "LS6 3AC"])  # C is never a unit letter
def test_not_postcodes(text: str) -> None:
    with pytest.raises(PostcodeError):
        normalise_postcode(text)


def test_outward_code_of_a_partial_postcode() -> None:
    assert outward_code("ls6") == "LS6"
