"""Keyed pseudonyms, postcode districts and age bands."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tracedesk.privacy.pseudonymise import age_band, age_on, postcode_district, pseudonym

KEY = "k" * 40


def test_pseudonyms_are_stable_and_keyed(settings: Any) -> None:
    settings.PSEUDONYM_KEY = KEY
    first = pseudonym("person", 17)
    assert first == pseudonym("person", 17)
    assert first.startswith("P-") and len(first) == 14
    assert pseudonym("person", 17, key="another key of forty characters........") != first
    assert pseudonym("case", 17) != first and pseudonym("case", 17).startswith("C-")
    assert pseudonym("person", None) == ""
    settings.PSEUDONYM_KEY = KEY + "x"
    assert pseudonym("person", 17) != first  # a new key changes every pseudonym


def test_the_pseudonym_key_is_not_the_secret_key(settings: Any) -> None:
    from django.conf import settings as live

    assert live.PSEUDONYM_KEY and live.PSEUDONYM_KEY != live.SECRET_KEY


def test_unknown_kinds_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown kind 'patient'"):
        pseudonym("patient", 1)


@given(st.integers(1, 10**12), st.integers(1, 10**12))
def test_different_records_get_different_pseudonyms(a: int, b: int) -> None:
    if a != b:
        assert pseudonym("person", a, key=KEY) != pseudonym("person", b, key=KEY)


@pytest.mark.parametrize(
    ("postcode", "district"),
    [
        ("LS6 3AB", "LS6"),
        ("ls63ab", "LS6"),
        ("EC1A 1BB", "EC1A"),
        ("", ""),
        ("not one", ""),
        (None, ""),
    ],
)
def test_postcode_districts(postcode: str | None, district: str) -> None:
    assert postcode_district(postcode) == district


@pytest.mark.parametrize(
    ("born", "on", "band"),
    [
        (dt.date(1980, 1, 2), dt.date(2026, 1, 1), "45-49"),
        (dt.date(1980, 1, 2), dt.date(2025, 1, 1), "40-44"),  # the day before turning 45
        (dt.date(2026, 1, 1), dt.date(2026, 1, 1), "0-4"),
        (dt.date(1930, 6, 1), dt.date(2026, 1, 1), "90+"),
        (None, dt.date(2026, 1, 1), "unknown"),
        (dt.date(2027, 1, 1), dt.date(2026, 1, 1), "unknown"),  # born after the date: bad data
    ],
)
def test_age_bands(born: dt.date | None, on: dt.date, band: str) -> None:
    assert age_band(born, on) == band


@given(
    st.dates(dt.date(1900, 1, 1), dt.date(2030, 1, 1)),
    st.dates(dt.date(1900, 1, 1), dt.date(2030, 1, 1)),
)
def test_an_age_band_contains_the_age(born: dt.date, on: dt.date) -> None:
    band = age_band(born, on)
    if born > on:
        assert band == "unknown"
        return
    age = age_on(born, on)
    if band == "90+":
        assert age >= 90
    else:
        low, high = (int(part) for part in band.split("-"))
        assert low <= age <= high and high - low == 4 and low % 5 == 0
