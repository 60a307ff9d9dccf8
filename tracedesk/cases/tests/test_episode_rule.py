"""The episode rule: a positive within EPISODE_DAYS of the case's latest one extends it."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tracedesk.cases.actions import open_or_extend_case, open_or_extend_cases
from tracedesk.cases.models import Case
from tracedesk.people.matching import PersonRef
from tracedesk.people.models import Person
from tracedesk.testing.world import World

START = dt.datetime(2020, 9, 1, 9, tzinfo=dt.UTC)


def test_within_90_days_extends(world: World) -> None:
    person = world.district("a").person
    first, _ = open_or_extend_case(person, START, actor=None, source="tests")
    again, created = open_or_extend_case(
        person, START + dt.timedelta(days=90), actor=None, source="tests"
    )
    assert not created and again.pk == first.pk
    again.refresh_from_db()
    assert again.latest_specimen_at == START + dt.timedelta(days=90)


def test_after_90_days_opens_a_new_case(world: World) -> None:
    person = world.district("a").person
    first, _ = open_or_extend_case(person, START, actor=None, source="tests")
    later, created = open_or_extend_case(
        person, START + dt.timedelta(days=91), actor=None, source="tests"
    )
    assert created and later.pk != first.pk


def test_the_window_is_configurable(world: World, settings: object) -> None:
    settings.EPISODE_DAYS = 30  # type: ignore[attr-defined]
    person = world.district("a").person
    open_or_extend_case(person, START, actor=None, source="tests")
    _, created = open_or_extend_case(
        person, START + dt.timedelta(days=31), actor=None, source="tests"
    )
    assert created


def test_a_late_arriving_earlier_specimen_joins_and_widens_its_episode(world: World) -> None:
    person = world.district("a").person
    case, _ = open_or_extend_case(person, START + dt.timedelta(days=5), actor=None, source="t")
    earlier, created = open_or_extend_case(person, START, actor=None, source="t")
    assert not created and earlier.pk == case.pk
    case.refresh_from_db()
    assert (case.first_specimen_at, case.latest_specimen_at) == (
        START,
        START + dt.timedelta(days=5),
    )


def test_an_episode_is_measured_from_its_nearest_specimen(world: World) -> None:
    person = world.district("a").person
    case, _ = open_or_extend_case(person, START, actor=None, source="t")
    open_or_extend_case(person, START + dt.timedelta(days=80), actor=None, source="t")
    # 150 days after the first specimen but 70 after the latest: the same episode.
    later, created = open_or_extend_case(
        person, START + dt.timedelta(days=150), actor=None, source="t"
    )
    assert not created and later.pk == case.pk
    # A specimen 91 days before the first opens a separate, earlier case.
    _, created = open_or_extend_case(person, START - dt.timedelta(days=91), actor=None, source="t")
    assert created


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(gaps=st.lists(st.integers(min_value=0, max_value=200), min_size=1, max_size=8))
def test_cases_equal_one_plus_long_gaps(world: World, gaps: list[int]) -> None:
    """For specimens arriving in date order, cases = 1 + the number of gaps over 90 days."""
    person = Person.objects.create(first_name="Episode", jurisdiction=world.leeds)
    at = START
    for gap in gaps:
        at += dt.timedelta(days=gap)
        open_or_extend_case(person, at, actor=None, source="tests")
    cases = Case.objects.filter(person=person).count()
    assert cases == 1 + sum(1 for gap in gaps[1:] if gap > 90)


def _bounds(person: Person) -> list[tuple[dt.datetime, dt.datetime]]:
    return sorted(
        Case.objects.filter(person=person).values_list("first_specimen_at", "latest_specimen_at")
    )


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    stored=st.lists(st.integers(min_value=-300, max_value=300), max_size=4),
    arriving=st.lists(
        st.tuples(st.booleans(), st.integers(min_value=-300, max_value=300)), min_size=1,
        max_size=10,
    ),
)  # fmt: skip
def test_many_specimens_at_once_end_as_one_call_each(
    world: World, stored: list[int], arriving: list[tuple[bool, int]]
) -> None:
    """A chunk's positives (in any order, several per person, some people with cases
    already) end with exactly the cases that one call per specimen would leave."""
    one_by_one = [Person.objects.create(first_name=n, jurisdiction=world.leeds) for n in "AB"]
    at_once = [Person.objects.create(first_name=n, jurisdiction=world.leeds) for n in "CD"]
    for days in stored:
        for person in (one_by_one[0], at_once[0]):
            open_or_extend_case(person, START + dt.timedelta(days=days), actor=None, source="t")
    expected = []
    for second, days in arriving:
        case, created = open_or_extend_case(
            one_by_one[second], START + dt.timedelta(days=days), actor=None, source="t"
        )
        expected.append(created)
    refs = [PersonRef(p.pk, p.jurisdiction_id, p.preferred_language) for p in at_once]
    with transaction.atomic():
        found = open_or_extend_cases(
            [(refs[second], START + dt.timedelta(days=days)) for second, days in arriving],
            actor=None,
            source="t",
        )
    assert [created for _, created in found] == expected
    for before, after in zip(one_by_one, at_once, strict=True):
        assert _bounds(after) == _bounds(before)
    for (second, days), (pk, _) in zip(arriving, found, strict=True):
        case = Case.objects.get(pk=pk)
        assert case.person_id == at_once[second].pk
        assert case.first_specimen_at <= START + dt.timedelta(days=days) <= case.latest_specimen_at
