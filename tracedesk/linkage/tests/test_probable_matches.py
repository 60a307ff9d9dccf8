"""Probabilistic matching behind find_or_create_person: link, review or new, explained."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path

import pytest

from tracedesk.audit.actions import events_about
from tracedesk.lib.matching import DEFAULT_PARAMETERS
from tracedesk.linkage import actions
from tracedesk.linkage.models import BlockingKey, MatchReview, ReviewStatus, TermFrequency
from tracedesk.people.actions import find_or_create_person
from tracedesk.people.details import PersonDetails
from tracedesk.people.merges import merge_people
from tracedesk.people.models import Person
from tracedesk.testing.world import World

ADA = PersonDetails(
    first_name="Adaeze", last_name="Okonkwo", date_of_birth=dt.date(1987, 3, 14), sex="female",
    phone="07700900123", address_line1="12 Mill Lane", postcode="LS6 2AB",
)  # fmt: skip


def _person(world: World, details: PersonDetails) -> tuple[Person, bool]:
    return find_or_create_person(
        details, fallback_jurisdiction=world.leeds, actor=None, source="tests", purpose="tests"
    )


def test_new_people_get_their_blocking_keys(world: World) -> None:
    ada, created = _person(world, ADA)
    assert created
    keys = set(BlockingKey.objects.filter(person=ada).values_list("key", flat=True))
    assert {k.split(":")[0] for k in keys} >= {"nb", "pf", "ph"}


def test_a_birth_year_typo_links_to_the_person_already_known(world: World) -> None:
    ada, _ = _person(world, ADA)
    people = Person.objects.count()
    again, created = _person(world, dataclasses.replace(ADA, date_of_birth=dt.date(1978, 3, 14)))
    assert not created and again == ada and Person.objects.count() == people
    assert not MatchReview.objects.filter(candidate=ada).exists()


def test_a_probable_twin_is_created_and_queued_for_review_with_the_explanation(
    world: World,
) -> None:
    ada, _ = _person(world, ADA)
    twin, created = _person(world, dataclasses.replace(ADA, first_name="Adanna"))
    assert created and twin != ada
    review = MatchReview.objects.get(person=twin)
    assert (review.person, review.candidate, review.status) == (twin, ada, ReviewStatus.OPEN)
    assert review.jurisdiction == world.leeds
    fields = {f["field"]: f for f in review.explanation["fields"]}
    assert fields["first_name"]["level"] != "exact"
    assert fields["dob"]["level"] == "exact"
    assert review.total == pytest.approx(sum(f["weight"] for f in fields.values()))
    assert "possible_twin" in {rule["rule"] for rule in review.explanation["rules"]}
    # the review's audit event names the record, never the people's details
    [event] = events_about(review)
    assert "Adanna" not in json.dumps([event.object_ids, event.purpose, event.fields])


def test_a_stranger_is_new_and_not_reviewed(world: World) -> None:
    _person(world, ADA)
    stranger = PersonDetails(
        first_name="Bob", last_name="Smith", date_of_birth=dt.date(1950, 1, 1),
        postcode="LS6 2AB", address_line1="1 Other Road",
    )  # fmt: skip
    bob, created = _person(world, stranger)
    assert created and not MatchReview.objects.filter(person=bob).exists()


def test_over_common_keys_find_no_candidates(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    ada, _ = _person(world, ADA)
    monkeypatch.setattr(actions, "MAX_BLOCK", 0)  # every key is "too common"
    typo = dataclasses.replace(ADA, date_of_birth=dt.date(1978, 3, 14))
    other, created = _person(world, typo)
    assert created and other != ada


def test_trained_parameters_are_read_from_the_setting(
    world: World, settings: object, tmp_path: Path
) -> None:
    strict = DEFAULT_PARAMETERS.to_dict()
    strict["thresholds"] = {"link": 500.0, "review": 4.0}  # nothing links automatically
    path = tmp_path / "params.json"
    path.write_text(json.dumps(strict), encoding="utf-8")
    settings.MATCH_PARAMETERS = str(path)  # type: ignore[attr-defined]
    ada, _ = _person(world, ADA)
    typo = dataclasses.replace(ADA, date_of_birth=dt.date(1978, 3, 14))
    other, created = _person(world, typo)
    assert created and other != ada
    assert MatchReview.objects.get(person=other).candidate == ada


def test_a_person_merged_into_another_is_never_matched_again(world: World) -> None:
    ada, _ = _person(world, ADA)
    copy = Person.objects.create(
        first_name="Ada", last_name="Okonkwo-Smith", date_of_birth=dt.date(1987, 3, 14),
        jurisdiction=world.leeds,
    )  # fmt: skip
    merge_people(ada, copy, reason="same person", evidence={}, actor=None, source="tests")
    again, _ = _person(
        world, PersonDetails(first_name="Ada", last_name="Okonkwo-Smith",
                             date_of_birth=dt.date(1987, 3, 14))
    )  # fmt: skip
    assert again != copy


def test_values_are_counted_as_people_are_created(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(actions, "UPSERT_ROWS", 2)  # several statements for one person's values
    everyone = TermFrequency.objects.get(field="*").people
    _person(world, ADA)
    _person(world, dataclasses.replace(ADA, first_name="Chidi", date_of_birth=dt.date(1990, 1, 1)))
    assert TermFrequency.objects.get(field="*").people == everyone + 2
    assert TermFrequency.objects.get(field="last_name", value="okonkwo").people == 2
    assert TermFrequency.objects.get(field="first_name", value="chidi").people == 1


def test_a_common_surname_weighs_less_than_a_rare_one(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With term frequencies, agreeing on "Smith" proves less than agreeing on "Okonkwo"."""
    monkeypatch.setattr(actions, "MIN_POPULATION", 1)
    for n in range(30):
        _person(world, PersonDetails(first_name=f"P{n}", last_name="Smith", postcode="M1 1AA"))
    _person(world, ADA)
    smith = dataclasses.replace(ADA, last_name="Smith")
    _person(world, smith)
    weights = {}
    for details in (ADA, smith):
        [record] = [actions.prepare(actions.record_of(details))]
        tf = actions.term_frequencies_of([record])
        assert tf is not None
        weights[details.last_name] = actions.score(record, record, actions.parameters(), tf)
    surname = {
        name: next(f for f in e.fields if f.field == "last_name") for name, e in weights.items()
    }
    assert surname["Smith"].tf_adjusted and surname["Okonkwo"].tf_adjusted
    assert surname["Smith"].weight < surname["Okonkwo"].weight
    # and below MIN_POPULATION no adjustment is made at all
    monkeypatch.setattr(actions, "MIN_POPULATION", 10**9)
    assert actions.term_frequencies_of([actions.prepare(actions.record_of(ADA))]) is None


def test_a_merged_person_is_never_a_probable_candidate(world: World) -> None:
    ada, _ = _person(world, ADA)
    keeper = Person.objects.create(first_name="Keeper", jurisdiction=world.leeds)
    merge_people(keeper, ada, reason="test", evidence={}, actor=None, source="tests")
    [proposal] = actions.probable_matches(
        [dataclasses.replace(ADA, date_of_birth=dt.date(1978, 3, 14))]
    )
    assert proposal.person is None or proposal.person.pk != ada.pk
