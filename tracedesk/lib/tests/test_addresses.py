"""Dwelling keys: the same home written differently is one dwelling; different homes are not."""

from __future__ import annotations

import pytest

from tracedesk.lib.addresses import dwelling, normalise_uprn


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (("12 High Street", "", "LS6 3AB"), ("12 HIGH ST.", "", "ls6 3ab")),
        (("Flat 3, 12 High Street", "", "LS6 3AB"), ("12 High St", "Flat 3", "LS6 3AB")),
        (("12 High St", "Apartment 3", "LS6 3AB"), ("Flat 3", "12 High Street", "LS6 3AB")),
        (("Apt. 3 12 High Street", "", "LS6 3AB"), ("12 High St", "flat no. 3", "LS6 3AB")),
        (("12a Park Road", "", "M1 1AA"), ("12 A Park Rd", "", "M1 1AA")),
        (("7 St John's Avenue", "", "E8 1AB"), ("7 Saint Johns Ave", "", "E8 1AB")),
        (("12 High Street", "Headingley", "LS6 3AB"), ("12 High Street", "", "LS6 3AB")),
    ],
)
def test_one_home_written_differently_is_one_dwelling(
    a: tuple[str, str, str], b: tuple[str, str, str]
) -> None:
    assert dwelling(*a).key == dwelling(*b).key != ""


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (("Flat 3, 12 High Street", "", "LS6 3AB"), ("Flat 4, 12 High Street", "", "LS6 3AB")),
        (("12 High Street", "", "LS6 3AB"), ("14 High Street", "", "LS6 3AB")),
        (("12 High Street", "", "LS6 3AB"), ("12 High Street", "", "LS6 3AD")),
        (("12a Park Road", "", "M1 1AA"), ("12b Park Road", "", "M1 1AA")),
    ],
)
def test_different_homes_are_different_dwellings(
    a: tuple[str, str, str], b: tuple[str, str, str]
) -> None:
    assert dwelling(*a).key != dwelling(*b).key


def test_flats_share_their_building() -> None:
    three = dwelling("Flat 3, 12 High Street", "", "LS6 3AB")
    four = dwelling("12 High St", "Flat 4", "LS6 3AB")
    assert three.building == four.building == "12 HIGH ST|LS6 3AB"
    assert (three.flat, four.flat) == ("3", "4")


@pytest.mark.parametrize(
    "address",
    [("", "", "LS6 3AB"), ("12 High Street", "", "LS6"), ("12 High Street", "", ""), ("", "", "")],
)
def test_an_address_that_cannot_name_a_building_has_no_key(address: tuple[str, str, str]) -> None:
    assert dwelling(*address).key == ""


def test_uprn_is_kept_as_digits_and_rejected_otherwise() -> None:
    assert dwelling("12 High Street", "", "LS6 3AB", uprn="1000233369561").uprn == ""
    assert dwelling("12 High Street", "", "LS6 3AB", uprn="100023336956").uprn == "100023336956"
    assert normalise_uprn("0012345") == "12345"
    assert normalise_uprn("12-34") == normalise_uprn("0") == normalise_uprn("") == ""
