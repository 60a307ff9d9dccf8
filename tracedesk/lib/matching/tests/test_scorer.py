import datetime as dt
import json

import pytest

from tracedesk.lib.matching import (
    DEFAULT_PARAMETERS,
    LEVELS,
    Parameters,
    PersonRecord,
    decide,
    match,
    score,
)
from tracedesk.lib.matching.tests.records import AISHA, aisha, core

PARAMS = DEFAULT_PARAMETERS

# Frequencies of normalised values in a made-up town.
TF = {
    "first_name": {"john": 0.02, "aisha": 0.0005, "mary": 0.015, "peter": 0.01},
    "last_name": {"smith": 0.012, "okafor": 0.0002, "jones": 0.01},
    "postcode": {"ls6 3ab": 0.0001},
}


@pytest.mark.parametrize(
    "dob",
    [dt.date(1978, 3, 14), dt.date(1988, 3, 14), dt.date(1986, 3, 14), dt.date(1987, 3, 15)],
)
def test_it_tolerates_a_typo_in_the_date_of_birth(dob: dt.date) -> None:
    typo = core(aisha(dob=dob))
    explanation = score(core(AISHA), typo, PARAMS)
    assert explanation.field("dob").level in {"typo", "year_month"}
    assert explanation.outcome in {"link", "review"}
    assert explanation.total >= PARAMS.review


def test_it_tolerates_a_swapped_day_and_month() -> None:
    explanation = score(aisha(dob=dt.date(1987, 3, 4)), aisha(dob=dt.date(1987, 4, 3)), PARAMS)
    assert explanation.field("dob").level == "swapped"
    assert explanation.outcome == "link"


def test_it_does_not_link_a_different_person_with_a_common_surname_and_the_same_postcode() -> None:
    john = PersonRecord(
        first_name="John", last_name="Smith", dob=dt.date(1960, 5, 1), postcode="LS6 3AB", sex="m"
    )
    mary = PersonRecord(
        first_name="Mary", last_name="Smith", dob=dt.date(1991, 11, 23), postcode="LS6 3AB", sex="f"
    )
    for tf in (None, TF):
        assert score(john, mary, PARAMS, tf).outcome != "link"
    assert score(john, mary, PARAMS, TF).outcome == "new"


def test_it_does_not_link_people_whose_only_agreement_is_a_common_full_name() -> None:
    a = PersonRecord(first_name="John", last_name="Smith", dob=dt.date(1960, 5, 1))
    b = PersonRecord(first_name="John", last_name="Smith", dob=dt.date(1983, 8, 19))
    explanation = score(a, b, PARAMS, TF)
    assert explanation.outcome != "link"
    assert explanation.rules == ("conflicting_dob",)


def test_it_weighs_a_rare_surname_more_than_a_common_one() -> None:
    rare = score(
        PersonRecord(last_name="Okafor"), PersonRecord(last_name="OKAFOR"), PARAMS, TF
    ).field("last_name")
    common = score(
        PersonRecord(last_name="Smith"), PersonRecord(last_name="smith"), PARAMS, TF
    ).field("last_name")
    assert rare.tf_adjusted
    assert common.tf_adjusted
    assert rare.weight > common.weight
    assert common.u == pytest.approx(0.012)


def test_it_falls_back_to_u_for_a_value_missing_from_the_frequency_table() -> None:
    pair = (PersonRecord(last_name="Zyx"), PersonRecord(last_name="Zyx"))
    adjusted = score(*pair, PARAMS, TF).field("last_name")
    plain = score(*pair, PARAMS).field("last_name")
    assert not adjusted.tf_adjusted
    assert adjusted.weight == plain.weight


def test_it_clamps_a_zero_frequency() -> None:
    tf = {"phone": {"07700900123": 0.0}}
    field = score(aisha(), aisha(), PARAMS, tf).field("phone")
    assert field.u is not None
    assert field.u > 0


def test_it_only_adjusts_exact_agreement() -> None:
    field = score(aisha(last_name="Okafor"), aisha(last_name="Okafer"), PARAMS, TF).field(
        "last_name"
    )
    assert field.level == "jw92"
    assert not field.tf_adjusted


@pytest.mark.parametrize(
    ("first_name", "dob"),
    [
        ("Chidi", dt.date(1990, 7, 2)),
        ("Ngozi", dt.date(2012, 1, 30)),
        ("Emeka", dt.date(1987, 11, 2)),
    ],
)
def test_siblings_sharing_a_phone_and_surname_are_never_linked(
    first_name: str, dob: dt.date
) -> None:
    sibling = aisha(first_name=first_name, dob=dob, sex="male")
    for tf in (None, TF):
        explanation = score(AISHA, sibling, PARAMS, tf)
        assert explanation.outcome != "link"
        assert explanation.rules


def test_a_shared_phone_alone_is_at_most_review() -> None:
    explanation = score(AISHA, PersonRecord(phone="+44 7700 900123"), PARAMS)
    assert explanation.field("phone").level == "exact"
    assert explanation.total >= PARAMS.review
    assert explanation.outcome == "review"
    assert explanation.rules == ("shared_contact_only",)


def test_a_shared_phone_and_email_with_other_names_are_at_most_review() -> None:
    other = PersonRecord(
        first_name="Bola", last_name="Adeyemi", phone=AISHA.phone, email=AISHA.email
    )
    assert score(AISHA, other, PARAMS).outcome != "link"


def test_the_total_is_the_sum_of_the_field_weights() -> None:
    explanation = score(AISHA, aisha(first_name="Ayesha", postcode="LS6 4XY"), PARAMS, TF)
    assert explanation.prior_weight == 0
    assert explanation.total == pytest.approx(sum(f.weight for f in explanation.fields))
    assert [f.field for f in explanation.fields] == list(LEVELS)


def test_a_missing_field_contributes_nothing() -> None:
    without = score(AISHA, aisha(email=""), PARAMS)
    email = without.field("email")
    assert email.level == "null"
    assert email.weight == 0
    assert email.m is None
    with_email = score(AISHA, aisha(), PARAMS)
    assert with_email.total - without.total == pytest.approx(with_email.field("email").weight)


def test_the_prior_is_added_to_the_total() -> None:
    params = Parameters(
        fields=PARAMS.fields, link=PARAMS.link - 13, review=PARAMS.review - 13, prior=0.0001
    )
    explanation = score(AISHA, aisha(), params)
    assert explanation.prior_weight == pytest.approx(-13.29, abs=0.01)
    assert explanation.total == pytest.approx(
        explanation.prior_weight + sum(f.weight for f in explanation.fields)
    )
    assert 0.99 < explanation.probability <= 1


def test_dicts_and_records_score_alike() -> None:
    as_dict = {"first_name": "Aisha", "last_name": "Okafor", "dob": "1987-03-14", "pk": 7}
    explanation = score(as_dict, AISHA, PARAMS)
    assert explanation.field("dob").level == "exact"
    assert explanation.field("last_name").level == "exact"


def test_names_compare_without_case_accents_or_punctuation() -> None:
    a = PersonRecord(first_name="Zoë", last_name="O'Brien-Smith")
    b = PersonRecord(first_name="ZOE", last_name="obrien smith")
    explanation = score(a, b, PARAMS)
    assert explanation.field("first_name").level == "exact"
    assert explanation.field("last_name").level == "exact"


def test_it_matches_candidates_best_first() -> None:
    candidates = [
        aisha(first_name="Chidi", dob=dt.date(1990, 7, 2)),
        PersonRecord(first_name="Bola", last_name="Adeyemi", dob=dt.date(1950, 1, 1)),
        core(aisha(dob=dt.date(1978, 3, 14))),
        aisha(),
    ]
    explanations = match(AISHA, candidates, PARAMS)
    assert [e.index for e in explanations][:2] == [3, 2]
    assert explanations[-1].index == 1
    outcome, best = decide(explanations)
    assert best is not None
    assert best.index == 3
    assert outcome == "review"  # two candidates reach link: duplicates to review


def test_it_decides_link_for_a_single_clear_match() -> None:
    candidates = [aisha(first_name="Chidi", dob=dt.date(1990, 7, 2)), aisha()]
    decision = decide(match(AISHA, candidates, PARAMS))
    assert decision.outcome == "link"
    assert decision.best is not None
    assert decision.best.index == 1


def test_it_decides_new_without_candidates() -> None:
    assert decide(match(AISHA, [], PARAMS)) == ("new", None)


def test_the_explanation_is_json_ready() -> None:
    data = json.loads(json.dumps(score(AISHA, PersonRecord(phone=AISHA.phone), PARAMS).to_dict()))
    assert data["outcome"] == "review"
    assert data["rules"][0]["rule"] == "shared_contact_only"
    phone = next(f for f in data["fields"] if f["field"] == "phone")
    assert phone == {
        "field": "phone",
        "left": "07700900123",
        "right": "07700900123",
        "level": "exact",
        "m": 0.7,
        "u": 0.0005,
        "weight": pytest.approx(10.45, abs=0.01),
        "tf_adjusted": False,
    }


def test_twins_with_similar_first_names_are_never_linked_automatically() -> None:
    anna = {
        "first_name": "Anna", "last_name": "Okafor", "dob": "2001-05-04", "sex": "female",
        "phone": "07700900111", "address_line1": "3 Mill Lane", "postcode": "LS6 2AB",
    }  # fmt: skip
    anne = {**anna, "first_name": "Anne"}
    explanation = score(anna, anne, DEFAULT_PARAMETERS)
    assert explanation.total >= DEFAULT_PARAMETERS.link  # the weights alone would link them
    assert explanation.outcome == "review" and "possible_twin" in explanation.rules
    # the same first name with a birth-year typo still links; an agreeing NHS number too
    assert score(anna, {**anna, "dob": "2011-05-04"}, DEFAULT_PARAMETERS).outcome == "link"
    with_nhs = score({**anna, "nhs_number": "9434765919"}, {**anne, "nhs_number": "9434765919"},
                     DEFAULT_PARAMETERS)  # fmt: skip
    assert with_nhs.outcome == "link"


def test_another_member_of_the_household_is_a_new_person_not_a_review() -> None:
    home = {"last_name": "Testperson", "address_line1": "1 A Street", "postcode": "LS6 3AB"}
    case = {**home, "first_name": "Casey", "dob": "1980-01-02", "phone": "07700900001"}
    contact = {**home, "first_name": "Morgan"}  # named by the case; no date of birth
    explanation = score(case, contact, DEFAULT_PARAMETERS)
    assert explanation.total >= DEFAULT_PARAMETERS.review  # household fields alone add up
    assert explanation.outcome == "new" and "other_household_member" in explanation.rules
    # but the same first name at the same address is still worth a look
    assert score(case, {**contact, "first_name": "Casey"}, DEFAULT_PARAMETERS).outcome != "new"


def test_a_nickname_is_its_own_level_and_not_taken_for_a_twin() -> None:
    peter = {
        "first_name": "Peter", "last_name": "Nicholson", "dob": "2017-07-19",
        "phone": "07700900377", "address_line1": "6 Maria Mews", "postcode": "M2 0AD",
    }  # fmt: skip
    pete = score(peter, {**peter, "first_name": "Pete"}, DEFAULT_PARAMETERS)
    assert pete.field("first_name").level == "nickname"
    assert pete.outcome == "link" and "possible_twin" not in pete.rules
    # both nicknames of one name agree too; unrelated names are not nicknames
    assert score({**peter, "first_name": "Bob"}, {**peter, "first_name": "Rob"},
                 DEFAULT_PARAMETERS).field("first_name").level == "nickname"  # fmt: skip
    assert score({**peter, "first_name": "Paul"}, peter, DEFAULT_PARAMETERS).field(
        "first_name"
    ).level not in ("exact", "nickname")


@pytest.mark.parametrize(("typed", "twin"), [("Iian", False), ("Anne", True), ("Ian", True)])
def test_two_swapped_letters_are_a_typing_error_not_a_twin(typed: str, twin: bool) -> None:
    iain = {
        "first_name": "Iain", "last_name": "George", "dob": "1944-06-14",
        "phone": "07700900668", "address_line1": "11 Christine Terrace", "postcode": "LS5 0AA",
    }  # fmt: skip
    explanation = score(iain, {**iain, "first_name": typed}, DEFAULT_PARAMETERS)
    assert ("possible_twin" in explanation.rules) is twin


def test_a_first_name_and_a_shared_phone_never_link_someone_under_another_surname() -> None:
    victor = {"first_name": "Victor", "last_name": "Higgins", "phone": "07700900311",
              "sex": "male", "dob": "1983-08-27"}  # fmt: skip
    named = {"first_name": "Victor", "last_name": "Hussain", "phone": "07700900311"}
    explanation = score(victor, named, DEFAULT_PARAMETERS)
    assert explanation.outcome != "link" and "other_surname" in explanation.rules
    # a date of birth that agrees is the evidence a changed surname needs
    married = score(victor, {**named, "dob": "1983-08-27"}, DEFAULT_PARAMETERS)
    assert "other_surname" not in married.rules
