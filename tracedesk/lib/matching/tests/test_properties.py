"""Properties of the scorer over random records."""

import dataclasses
import datetime as dt

from hypothesis import assume, given
from hypothesis import strategies as st

from tracedesk.lib.matching import DEFAULT_PARAMETERS, PersonRecord, blocking_keys, score
from tracedesk.lib.matching.comparisons import compare_dates
from tracedesk.lib.matching.records import prepare

NAMES = ["Aisha", "Aysha", "John", "Jon", "Joan", "Smith", "Smyth", "Zoë", "Zoe", "O'Brien", ""]
FIRST_NAMES = ["Aisha", "Chidi", "Ngozi", "Emeka", "Bola", "Tunde", "Kemi", "Femi"]

names = st.one_of(st.sampled_from(NAMES), st.text(max_size=12))
dates = st.one_of(st.none(), st.dates(dt.date(1900, 1, 1), dt.date(2026, 12, 31)))
records = st.builds(
    PersonRecord,
    first_name=names,
    last_name=names,
    dob=dates,
    sex=st.sampled_from(["", "f", "male", "unknown", "other"]),
    phone=st.sampled_from(["", "07700 900123", "+44 7700 900123", "07700900999"]),
    email=st.sampled_from(["", "a@example.org", "A@Example.org ", "b@example.org"]),
    address_line1=st.one_of(
        st.sampled_from(["", "10 High St", "High St 10"]), st.text(max_size=20)
    ),
    postcode=st.sampled_from(["", "LS6 3AB", "ls63ab", "LS6 4XY", "M1 1AA", "nonsense"]),
    nhs_number=st.sampled_from(["", "9434765919", "943 476 5919", "9434765870"]),
)
TF = {
    "first_name": {"aisha": 0.001, "john": 0.02},
    "last_name": {"smith": 0.012},
    "phone": {"07700900123": 0.0},
    "postcode": {"ls6 3ab": 0.0002},
}


@given(records, records)
def test_scores_are_symmetric(a: PersonRecord, b: PersonRecord) -> None:
    for tf in (None, TF):
        ab, ba = score(a, b, DEFAULT_PARAMETERS, tf), score(b, a, DEFAULT_PARAMETERS, tf)
        assert ab.total == ba.total
        assert ab.outcome == ba.outcome
        assert [f.level for f in ab.fields] == [f.level for f in ba.fields]


@given(records, records)
def test_the_total_is_the_sum_of_the_field_weights(a: PersonRecord, b: PersonRecord) -> None:
    explanation = score(a, b, DEFAULT_PARAMETERS, TF)
    assert explanation.total == sum(f.weight for f in explanation.fields)
    for field in explanation.fields:
        if field.level == "null":
            assert field.weight == 0
            assert not field.left or not field.right


@given(records)
def test_a_record_agrees_with_itself(a: PersonRecord) -> None:
    explanation = score(a, a, DEFAULT_PARAMETERS)
    assert {f.level for f in explanation.fields} <= {"exact", "null"}
    assert blocking_keys(a) == blocking_keys(prepare(a))


@given(
    records,
    st.sampled_from(FIRST_NAMES),
    st.sampled_from(FIRST_NAMES),
    st.dates(dt.date(1930, 1, 1), dt.date(2025, 12, 31)),
    st.dates(dt.date(1930, 1, 1), dt.date(2025, 12, 31)),
)
def test_siblings_sharing_a_phone_and_surname_are_never_linked(
    household: PersonRecord, first: str, second: str, born: dt.date, other_born: dt.date
) -> None:
    assume(household.phone and household.last_name.strip())
    assume(compare_dates(born, other_born) == "else")
    a = dataclasses.replace(household, first_name=first, dob=born)
    b = dataclasses.replace(household, first_name=second, dob=other_born)
    assume(score(a, b, DEFAULT_PARAMETERS).field("first_name").level == "else")
    for tf in (None, TF):
        assert score(a, b, DEFAULT_PARAMETERS, tf).outcome != "link"
