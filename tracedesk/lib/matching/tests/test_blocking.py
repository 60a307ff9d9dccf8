import dataclasses
import datetime as dt

from tracedesk.lib.matching import PersonRecord, blocking_keys
from tracedesk.lib.matching.blocking import MAX_KEY_LENGTH
from tracedesk.lib.matching.tests.records import AISHA, aisha


def test_a_typo_in_the_first_name_shares_a_key() -> None:
    for typo in ("Aysha", "Aisah", "Isha", "Asha"):
        assert blocking_keys(AISHA) & blocking_keys(aisha(first_name=typo))


def test_a_typo_in_the_first_name_shares_a_key_without_contact_details() -> None:
    bare = PersonRecord(first_name="Aisha", last_name="Okafor", dob=dt.date(1987, 3, 14))
    typo = PersonRecord(first_name="Aysha", last_name="Okafor", dob=dt.date(1987, 3, 14))
    assert blocking_keys(bare) & blocking_keys(typo)


def test_a_changed_surname_and_year_typo_shares_a_key() -> None:
    bare = PersonRecord(first_name="Aisha", last_name="Okafor", dob=dt.date(1987, 3, 14))
    married = PersonRecord(first_name="Aisha", last_name="Bello", dob=dt.date(1978, 3, 14))
    assert blocking_keys(bare) & blocking_keys(married)


def test_keys_are_deterministic() -> None:
    keys = blocking_keys(AISHA)
    assert keys == blocking_keys(aisha())
    assert keys == blocking_keys(dataclasses.asdict(AISHA))
    assert keys == {
        "nb:OKFR|1987",
        "fd:AX|03-14",
        "pf:LS6 3AB|a",
        "pl:LS6 3AB|OKFR",
        "ph:07700900123",
        "em:aisha@example.org",
        "nd:aisha|okafor|LS6",
    }


def test_a_name_alone_gets_a_key_only_with_a_district() -> None:
    bare = PersonRecord(first_name="Aisha", last_name="Okafor")
    assert blocking_keys(bare) == set()
    assert blocking_keys(bare, "LS6") == {"nd:aisha|okafor|LS6"}
    assert blocking_keys(PersonRecord(first_name="Aisha"), "LS6") == set()
    # Where the record was met never replaces its own postcode.
    assert "nd:aisha|okafor|LS6" in blocking_keys(AISHA, "NW1")
    assert not any(key.startswith("nd:") and key.endswith("NW1") for key in blocking_keys(AISHA))


def test_missing_fields_give_no_key() -> None:
    assert blocking_keys(PersonRecord()) == set()
    assert blocking_keys(PersonRecord(last_name="Okafor")) == set()
    assert blocking_keys(PersonRecord(nhs_number="943 476 5919")) == {"id:9434765919"}


def test_keys_are_short() -> None:
    long = aisha(email="a" * 200 + "@example.org", last_name="b" * 200, postcode="X" * 90)
    keys = blocking_keys(long)
    assert keys
    assert all(len(key) <= MAX_KEY_LENGTH for key in keys)
    assert keys == blocking_keys(long)
