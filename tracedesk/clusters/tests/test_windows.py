"""Exposure windows: a date recorded later moves them (incrementally), and their days are
local days (TIME_ZONE, Europe/London), across midnight and the clock changes."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.utils import timezone

from tracedesk.cases.actions import record_onset_date
from tracedesk.cases.models import Case
from tracedesk.clusters.detection import detect, local_midnight, window_of
from tracedesk.clusters.models import CaseExposure, CaseWindow, Cluster, ClusterStatus
from tracedesk.clusters.tests.helpers import attend, make_case
from tracedesk.places.actions import register_setting
from tracedesk.places.checkins import import_file, link_token
from tracedesk.places.models import SettingDay
from tracedesk.testing.world import World

TODAY = timezone.now().date()
DAY = TODAY - dt.timedelta(days=14)  # the day everyone was at the gym
SPECIMEN = TODAY - dt.timedelta(days=1)  # a window 4 to 8 days ago: DAY is outside it


@pytest.fixture(autouse=True)
def london(settings: object) -> None:
    settings.TIME_ZONE = "Europe/London"  # type: ignore[attr-defined]


def _gym(world: World):
    setting, _ = register_setting(
        name="Headingley Gym", setting_type="gym", jurisdiction=world.leeds,
        external_ref="GYM-W", actor=None, source="tests",
    )  # fmt: skip
    return setting


def _at_gym(world: World, gym, house: int, onset: dt.date | None) -> Case:
    case = make_case(world.leeds, specimen_on=SPECIMEN, house=house, onset_on=onset)
    attend(case, gym, DAY)
    return case


# --- 3. a date recorded later ----------------------------------------------------------


def test_an_onset_recorded_later_moves_the_window_and_makes_the_cluster(world: World) -> None:
    gym = _gym(world)
    a = _at_gym(world, gym, 1, onset=None)  # window from the test: DAY is too early
    b = _at_gym(world, gym, 2, onset=DAY + dt.timedelta(days=5))
    first = detect()
    assert first["cases_scanned"] >= 2 and not Cluster.objects.exists()
    assert not CaseExposure.objects.filter(case=a).exists()

    record_onset_date(a, DAY + dt.timedelta(days=4), actor=None, source="tests")
    counts = detect()
    assert (counts["cases_scanned"], counts["cases_rescanned"]) == (0, 1)
    cluster = Cluster.objects.get()
    assert set(cluster.members.values_list("case_id", flat=True)) == {a.pk, b.pk}
    window = CaseWindow.objects.get(case=a)
    assert (window.window_from, window.onset_on) == (DAY - dt.timedelta(days=3),
                                                     DAY + dt.timedelta(days=4))  # fmt: skip

    again = detect()  # nothing changed since: nothing re-evaluated, nothing written
    assert (again["cases_rescanned"], again["exposures_added"], again["clusters_grown"]) == (
        0,
        0,
        0,
    )


def test_a_date_that_moves_a_case_away_takes_it_out_of_a_proposed_cluster(world: World) -> None:
    gym = _gym(world)
    cases = [_at_gym(world, gym, h, onset=DAY + dt.timedelta(days=5)) for h in (1, 2, 3)]
    detect()
    cluster = Cluster.objects.get()
    assert cluster.household_count == 3

    record_onset_date(cases[0], TODAY - dt.timedelta(days=2), actor=None, source="tests")
    counts = detect()
    assert (counts["cases_rescanned"], counts["cases_left"]) == (1, 1)
    cluster.refresh_from_db()
    assert (cluster.case_count, cluster.household_count) == (2, 2)
    assert cluster.status == ClusterStatus.PROPOSED
    assert not cluster.members.filter(case=cases[0]).exists()
    assert cluster.log.filter(kind="moved", text__contains=f"Case {cases[0].pk} left")

    # One household left: the proposal is withdrawn, with the reason in the log.
    record_onset_date(cases[1], TODAY - dt.timedelta(days=2), actor=None, source="tests")
    detect()
    cluster.refresh_from_db()
    assert cluster.status == ClusterStatus.DISMISSED and cluster.household_count == 1
    assert "fewer than two households" in cluster.decision_note


def test_a_confirmed_outbreak_keeps_the_case_and_asks_for_a_review(world: World) -> None:
    from tracedesk.clusters.actions import confirm_cluster

    gym = _gym(world)
    cases = [_at_gym(world, gym, h, onset=DAY + dt.timedelta(days=5)) for h in (1, 2)]
    detect()
    cluster = confirm_cluster(Cluster.objects.get(), actor=world.users["health_protection"],
                              note="", source="tests")  # fmt: skip
    record_onset_date(cases[0], TODAY - dt.timedelta(days=2), actor=None, source="tests")
    detect()
    cluster.refresh_from_db()
    assert cluster.status == ClusterStatus.CONFIRMED and cluster.case_count == 2
    assert cluster.members.filter(case=cases[0]).exists()
    assert cluster.log.filter(kind="moved", text__contains="Review")


def test_an_earlier_first_specimen_moves_the_window_too(world: World) -> None:
    gym = _gym(world)
    a = _at_gym(world, gym, 1, onset=None)
    _at_gym(world, gym, 2, onset=DAY + dt.timedelta(days=5))
    detect()
    assert not Cluster.objects.exists()
    # An earlier specimen of the same infection arrives: the case's first specimen moves.
    earlier = dt.datetime.combine(DAY + dt.timedelta(days=4), dt.time(10), tzinfo=dt.UTC)
    Case.objects.filter(pk=a.pk).update(first_specimen_at=earlier)
    assert detect()["cases_rescanned"] == 1
    assert Cluster.objects.get().members.filter(case=a).exists()


# --- 4. local days -----------------------------------------------------------------------


def test_local_midnight_across_the_clock_changes() -> None:
    utc = dt.UTC
    assert local_midnight(dt.date(2021, 7, 1)) == dt.datetime(2021, 6, 30, 23, tzinfo=utc)
    assert local_midnight(dt.date(2021, 1, 15)) == dt.datetime(2021, 1, 15, 0, tzinfo=utc)
    # Clocks went back at 02:00 BST on 31 October 2021: that day began in summer time.
    assert local_midnight(dt.date(2021, 10, 31)) == dt.datetime(2021, 10, 30, 23, tzinfo=utc)
    assert local_midnight(dt.date(2021, 11, 1)) == dt.datetime(2021, 11, 1, 0, tzinfo=utc)
    # ...and went forward at 01:00 GMT on 28 March 2021: that day began in winter time.
    assert local_midnight(dt.date(2021, 3, 28)) == dt.datetime(2021, 3, 28, 0, tzinfo=utc)
    assert local_midnight(dt.date(2021, 3, 29)) == dt.datetime(2021, 3, 28, 23, tzinfo=utc)


def test_a_specimen_just_after_local_midnight_anchors_on_the_local_day() -> None:
    at = dt.datetime(2021, 6, 30, 23, 30, tzinfo=dt.UTC)  # 00:30 on 1 July in London
    window_from, window_until, starts_at, ends_at, onset, specimen = window_of(None, at)
    assert window_from == dt.date(2021, 7, 1) - dt.timedelta(days=7)
    assert window_until == dt.date(2021, 7, 1) - dt.timedelta(days=2)
    assert starts_at == dt.datetime(2021, 6, 23, 23, tzinfo=dt.UTC)
    assert ends_at == dt.datetime(2021, 6, 28, 23, tzinfo=dt.UTC)
    assert (onset, specimen) == (None, at)


def _checkins(tmp_path: Path, name: str, rows: list[tuple[str, str, str]]) -> None:
    path = tmp_path / name
    path.write_text(
        "venue_id,token,checked_in_at\n" + "".join(f"{v},{t},{a}\n" for v, t, a in rows)
    )
    assert import_file(path).reconciles


@pytest.mark.parametrize(
    ("onset", "inside", "outside", "day"),
    [
        # Summer midnight: the window's first day is 1 July, which began at 23:00 UTC.
        (dt.date(2021, 7, 8), "2021-06-30T23:30:00+00:00", "2021-06-30T22:30:00+00:00",
         dt.date(2021, 7, 1)),
        # The clocks going back: 31 October began at 23:00 UTC on the 30th (still BST).
        (dt.date(2021, 11, 7), "2021-10-30T23:15:00+00:00", "2021-10-30T22:45:00+00:00",
         dt.date(2021, 10, 31)),
        # The window's last day, 29 October (BST), ends at 23:00 UTC: 23:30 UTC is the 30th.
        (dt.date(2021, 11, 1), "2021-10-28T23:30:00+00:00", "2021-10-29T23:30:00+00:00",
         dt.date(2021, 10, 29)),
    ],
)  # fmt: skip
def test_check_ins_count_on_local_days_around_midnight_and_clock_changes(
    world: World, tmp_path: Path, onset: dt.date, inside: str, outside: str, day: dt.date
) -> None:
    a, b = world.district("a").setting, world.district("b").setting
    case = make_case(world.leeds, specimen_on=onset + dt.timedelta(days=1), house=1, onset_on=onset)
    _checkins(tmp_path, "night.csv", [("VENUE-A", "app-1", inside), ("VENUE-B", "app-1", outside)])
    link_token(case.person, "app-1", actor=None, source="tests")
    detect()
    assert list(CaseExposure.objects.values_list("setting_id", "exposed_on")) == [(a.pk, day)]
    assert SettingDay.objects.get(setting=a).day == day
    assert SettingDay.objects.filter(setting=b).count() == 1
