import subprocess
import sys

import pytest

from tracedesk.lib.matching import normalise as n


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("  José  MARÍA ", "jose maria"),
        ("O'Brien", "obrien"),
        ("Mary-Ann", "mary ann"),
        ("Zoë", "zoe"),
        ("", ""),
        ("李 小龍", "李 小龍"),
    ],
)
def test_it_normalises_names(text: str, expected: str) -> None:
    assert n.normalise_name(text) == expected


def test_phonetic_codes_group_spellings() -> None:
    assert n.phonetic_code("Smith") == n.phonetic_code("Smyth")
    assert n.phonetic_code("") == ""
    assert n.phonetic_code("李") == "李"


@pytest.mark.parametrize(
    ("text", "postcode", "district"),
    [
        ("ls63ab", "LS6 3AB", "LS6"),
        (" sw1a   1aa ", "SW1A 1AA", "SW1A"),
        ("LS6", "LS6", "LS6"),
        ("not a postcode", "NOT A POSTCODE", "NOT"),
        ("", "", ""),
    ],
)
def test_it_normalises_postcodes(text: str, postcode: str, district: str) -> None:
    assert n.normalise_postcode(text) == postcode
    assert n.postcode_district(postcode) == district


@pytest.mark.parametrize(
    ("text", "digits"),
    [
        ("+44 (0)7700 900-123", "07700900123"),
        ("07700 900123", "07700900123"),
        ("+1 202 555 0100", "12025550100"),
        ("", ""),
    ],
)
def test_it_keeps_phone_digits(text: str, digits: str) -> None:
    assert n.phone_digits(text) == digits


def test_it_normalises_sex() -> None:
    assert [n.normalise_sex(s) for s in ("F", " male", "unknown", "", "other")] == [
        "female",
        "male",
        "",
        "",
        "other",
    ]


def test_the_package_does_not_import_django() -> None:
    code = "import sys, tracedesk.lib.matching; print('django' in sys.modules)"
    result = subprocess.run(  # noqa: S603 - fixed arguments, our own interpreter
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"
