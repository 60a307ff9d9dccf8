"""The KPI engine against a hand-checked history (numbers worked out on paper, below)."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tracedesk.contracts.models import Contractor
from tracedesk.kpis import engine
from tracedesk.kpis.definitions import KPIS
from tracedesk.kpis.summary import rebuild_all
from tracedesk.kpis.tests import builders as b
from tracedesk.testing.world import World
from tracedesk.tracing.models import TracerStateChange

LONDON = ZoneInfo("Europe/London")
D = dt.datetime(2024, 3, 4, tzinfo=LONDON)  # a Monday, GMT
START, END = D, D + dt.timedelta(days=1)


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return D + dt.timedelta(days=day, hours=hour, minutes=minute)


@pytest.fixture
def history(world: World) -> dict[str, Any]:
    """Three cases transferred on day D (and one just after), three contacts.

    c1  transferred D 09:00, specimen D-1 09:00, result D 08:00 (23 h), reached D 20:00 (11 h)
    c2  complex; transferred D 10:00, specimen D-2 18:00, result D 10:00 (40 h),
        reached D+1 12:00 (26 h)
    c3  transferred D 23:00, no result, never reached
    c4  transferred D+1 00:30: outside the period
    k1  household contact of c1, reached D+1 08:00: 23 h after c1's transfer, 47 h after test
    k2  other contact of c1, reached D+3 10:00: 73 h after transfer, 97 h after test
    k3  household contact of c2, never reached
    """
    tracer = world.users["tracer_a"]
    assert tracer.team is not None
    contractor = Contractor.objects.create(name="Synthetic Calls Ltd")
    tracer.team.contractor = contractor
    tracer.team.save()
    leeds = world.leeds
    c1 = b.case(leeds, transferred=at(0, 9), specimen=at(-1, 9), result=at(0, 8))
    c2 = b.case(
        leeds, transferred=at(0, 10), specimen=at(-2, 18), result=at(0, 10), is_complex=True
    )
    c3 = b.case(leeds, transferred=at(0, 23))
    c4 = b.case(leeds, transferred=at(1, 0, 30))
    k1 = b.contact(c1, reported=at(0, 20), household=True)
    k2 = b.contact(c1, reported=at(0, 20))
    k3 = b.contact(c2, reported=at(1, 13), household=True)
    b.reach_case(c1, tracer, at(0, 20))
    b.reach_case(c2, tracer, at(1, 12))
    b.reach_case(c4, tracer, at(1, 2))
    b.reach_contact(k1, tracer, at(1, 8))
    b.reach_contact(k2, tracer, at(3, 10))
    return {
        "c1": c1,
        "c2": c2,
        "c3": c3,
        "c4": c4,
        "k1": k1,
        "k2": k2,
        "k3": k3,
        "team": tracer.team,
        "contractor": contractor,
        "tracer": tracer,
    }


EXPECTED = {
    "cases_transferred": (3, 1, 3.0),
    "cases_reached": (2, 3, 2 / 3),
    "cases_reached_24h": (1, 3, 1 / 3),
    "cases_reached_48h": (2, 3, 2 / 3),
    "cases_reached_72h": (2, 3, 2 / 3),
    "cases_reached:complex": (1, 1, 1.0),
    "cases_reached:non_complex": (1, 2, 0.5),
    "contacts_identified": (3, 1, 3.0),
    "contacts_per_reached_case": (3, 2, 1.5),
    "contacts_reached": (2, 3, 2 / 3),
    "contacts_reached_24h": (1, 3, 1 / 3),
    "contacts_reached_48h": (1, 3, 1 / 3),
    "contacts_reached_72h": (1, 3, 1 / 3),
    "contacts_reached:household": (1, 2, 0.5),
    "contacts_reached:non_household": (1, 1, 1.0),
    "contacts_reached:complex": (0, 1, 0.0),
    "test_to_result_hours": ((23 + 40) * 3600, 2, 31.5),
    "results_24h": (1, 2, 0.5),
    "test_to_contact_reached_hours": ((47 + 97) * 3600, 2, 72.0),
    "composite_coverage": (4, 9, 4 / 9),
}


@pytest.mark.parametrize("source", ["records", "summary"])
@pytest.mark.parametrize("key", sorted(EXPECTED))
def test_hand_checked_figures(history: dict[str, Any], key: str, source: engine.Source) -> None:
    if source == "summary":
        rebuild_all()
    got = engine.measure(key, start=START, end=END, source=source)
    numerator, denominator, value = EXPECTED[key]
    assert (got.numerator, got.denominator) == (numerator, denominator)
    assert got.value == pytest.approx(value)


def test_team_contractor_and_place_filters(history: dict[str, Any], world: World) -> None:
    rebuild_all()
    team, contractor = history["team"], history["contractor"]
    for source in ("records", "summary"):
        by_team = engine.measure(
            "cases_transferred", start=START, end=END, team_id=team.pk, source=source
        )
        assert by_team.numerator == 2  # c3 was never held by anyone
        by_contractor = engine.measure(
            "contacts_reached", start=START, end=END, contractor_id=contractor.pk, source=source
        )
        assert (by_contractor.numerator, by_contractor.denominator) == (2, 2)
        camden = engine.measure(
            "cases_transferred",
            start=START,
            end=END,
            jurisdiction_ids=[world.camden.pk],
            source=source,
        )
        assert camden.numerator == 0
        leeds = engine.measure(
            "cases_transferred",
            start=START,
            end=END,
            jurisdiction_ids=[world.leeds.pk],
            source=source,
        )
        assert leeds.numerator == 3


def test_empty_period_has_no_share(world: World) -> None:
    got = engine.measure("cases_reached", start=START, end=END)
    assert got == engine.Measure(0, 0, None)


def test_drill_down_lists_the_records_behind_a_failed_figure(history: dict[str, Any]) -> None:
    failing = engine.records("cases_reached_24h", start=START, end=END)
    assert set(failing) == {history["c2"], history["c3"]}
    meeting = engine.records("cases_reached_24h", start=START, end=END, failing=False)
    assert set(meeting) == {history["c1"]}
    late = engine.records("contacts_reached_72h", start=START, end=END)
    assert set(late) == {history["k2"], history["k3"]}
    household = engine.records("contacts_reached:household", start=START, end=END)
    assert set(household) == {history["k3"]}
    slow = engine.records("results_24h", start=START, end=END)
    assert set(slow) == {history["c2"]}  # c3 has no result: outside the denominator


def test_drill_down_refuses_figures_without_a_per_record_verdict(world: World) -> None:
    with pytest.raises(ValueError, match="no per-record pass or fail"):
        engine.records("composite_coverage", start=START, end=END)
    with pytest.raises(ValueError, match="no per-record pass or fail"):
        engine.records("test_to_result_hours", start=START, end=END)


def test_bad_arguments_are_named(world: World) -> None:
    with pytest.raises(ValueError, match="Unknown KPI 'nope'"):
        engine.measure("nope", start=START, end=END)
    with pytest.raises(ValueError, match="not after start"):
        engine.measure("cases_reached", start=END, end=START)
    with pytest.raises(ValueError, match="timezone-aware"):
        engine.measure("cases_reached", start=START.replace(tzinfo=None), end=END)
    with pytest.raises(ValueError, match="whole days"):
        engine.measure(
            "cases_reached", start=START + dt.timedelta(hours=1), end=END, source="summary"
        )


def test_part_day_periods_are_computed_from_the_records(history: dict[str, Any]) -> None:
    morning = engine.measure("cases_transferred", start=START, end=at(0, 12))
    assert morning.numerator == 2


def test_tracer_utilisation(history: dict[str, Any], world: World) -> None:
    tracer = history["tracer"]
    other = world.users["tracer_b"]
    for state, when in [
        ("available", at(0, 9)),
        ("on_call", at(0, 9, 30)),
        ("wrap_up", at(0, 10)),
        ("available", at(0, 10, 15)),
        ("offline", at(0, 11)),
    ]:
        TracerStateChange.objects.create(user=tracer, state=state, at=when)
    TracerStateChange.objects.create(user=other, state="available", at=at(0, 8))
    TracerStateChange.objects.create(user=other, state="offline", at=at(0, 10))
    team = history["team"]
    rebuild_all(now=at(1, 0))
    for source in ("records", "summary"):
        mine = engine.measure(
            "tracer_utilisation", start=at(0, 9), end=at(0, 12), team_id=team.pk, source=source
        )
        assert (mine.numerator, mine.denominator) == (45 * 60, 2 * 3600)
        assert mine.value == pytest.approx(0.375)
        both = engine.measure("tracer_utilisation", start=at(0, 9), end=at(0, 12), source=source)
        assert (both.numerator, both.denominator) == (45 * 60, 3 * 3600)
    changes = engine.records("tracer_utilisation", start=at(0, 9), end=at(0, 12), team_id=team.pk)
    assert changes.count() == 5


def test_every_definition_is_documented_with_its_version() -> None:
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[3] / "docs" / "kpis.md").read_text()
    for key, d in KPIS.items():
        if ":" not in key:
            assert f"`{key}`" in doc, key
            assert f"| {d.version} |" in doc or f"version {d.version}" in doc, key
