"""Cleaning person details from a source row: clear errors naming the field."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from tracedesk.people.details import parse_person


def test_a_clean_row() -> None:
    details = parse_person(
        {
            "first_name": " Ada ",
            "last_name": "Lovelace",
            "date_of_birth": "1990-12-10",
            "sex": "F",
            "nhs_number": "943 476 5919",
            "phone": "+44 7700 900123",
            "postcode": "ls63ab",
        },
        record="row 2",
    )
    assert details.first_name == "Ada"
    assert details.date_of_birth == dt.date(1990, 12, 10)
    assert details.sex == "female"
    assert details.nhs_number == "9434765919"
    assert details.phone == "07700900123"
    assert details.postcode == "LS6 3AB"
    assert details.warnings == ()


@pytest.mark.parametrize(
    ("row", "field", "words"),
    [
        ({"first_name": "A", "nhs_number": "1234567890"}, "nhs_number", "check digit"),
        ({"first_name": "A", "date_of_birth": "10/12/1990"}, "date_of_birth", "YYYY-MM-DD"),
        ({"first_name": "A", "sex": "x"}, "sex", "female, male"),
        ({"town": "Leeds"}, "first_name", "no name"),
    ],
)
def test_errors_name_the_record_and_field(row: dict[str, str], field: str, words: str) -> None:
    with pytest.raises(ValidationError) as error:
        parse_person(row, record="lab_results.csv line 7")
    messages = error.value.message_dict[field]
    assert any("lab_results.csv line 7" in m and words in m for m in messages)


def test_unusable_values_are_dropped_with_warnings_and_the_person_kept() -> None:
    details = parse_person(
        {
            "first_name": "A",
            "phone": "12",
            "postcode": "LS6",
            "date_of_birth": "2099-01-01",
            "email": "mum at home",
        },
        record="r",
    )
    assert details.phone == "" and details.postcode == "LS6" and details.date_of_birth is None
    assert details.email == ""
    assert len(details.warnings) == 4
    assert any("2099-01-01" in warning for warning in details.warnings)
    assert details.outward_code == "LS6"
