"""Common-exposure detection: who becomes a cluster, incrementally and idempotently."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from tracedesk.clusters.detection import (
    Member,
    detect,
    group_members,
    poisson_surprise,
)
from tracedesk.clusters.models import CaseExposure, Cluster, ClusterCase, ClusterStatus
from tracedesk.clusters.tests.helpers import attend, make_case
from tracedesk.places.actions import register_setting
from tracedesk.testing.world import World

TODAY = timezone.now().date()


def _gym(world: World, ref: str = "GYM-1"):
    setting, _ = register_setting(
        name="Headingley Gym", setting_type="gym", jurisdiction=world.leeds,
        external_ref=ref, actor=None, source="tests",
    )  # fmt: skip
    return setting


def _case_at(world: World, setting, *, house: int, exposed: dt.date, specimen: dt.date):
    case = make_case(world.leeds, specimen_on=specimen, house=house)
    attend(case, setting, exposed)
    return case


def test_two_households_at_one_setting_are_proposed(world: World) -> None:
    gym = _gym(world)
    specimen = TODAY - dt.timedelta(days=1)
    a = _case_at(world, gym, house=1, exposed=specimen - dt.timedelta(days=5), specimen=specimen)
    b = _case_at(world, gym, house=2, exposed=specimen - dt.timedelta(days=4), specimen=specimen)
    counts = detect()
    assert counts["clusters_proposed"] == 1
    cluster = Cluster.objects.get(setting=gym)
    assert cluster.status == ClusterStatus.PROPOSED
    assert set(cluster.members.values_list("case_id", flat=True)) == {a.pk, b.pk}
    assert (cluster.case_count, cluster.household_count) == (2, 2)
    assert cluster.first_exposure_on == specimen - dt.timedelta(days=5)
    assert cluster.log.get().kind == "proposed"


def test_one_household_is_not_a_common_exposure(world: World) -> None:
    gym = _gym(world)
    specimen = TODAY - dt.timedelta(days=1)
    _case_at(world, gym, house=7, exposed=specimen - dt.timedelta(days=5), specimen=specimen)
    _case_at(world, gym, house=7, exposed=specimen - dt.timedelta(days=5), specimen=specimen)
    detect()
    assert not Cluster.objects.exists()


def test_attendance_outside_the_window_does_not_count(world: World) -> None:
    gym = _gym(world)
    specimen = TODAY - dt.timedelta(days=1)
    _case_at(world, gym, house=1, exposed=specimen - dt.timedelta(days=5), specimen=specimen)
    # Two days before the test: after infection would have happened (window is 3 to 7 days).
    _case_at(world, gym, house=2, exposed=specimen - dt.timedelta(days=2), specimen=specimen)
    # Nine days before: too early.
    _case_at(world, gym, house=3, exposed=specimen - dt.timedelta(days=9), specimen=specimen)
    detect()
    assert not Cluster.objects.exists()
    assert CaseExposure.objects.count() == 1


def test_onset_is_the_anchor_when_known(world: World) -> None:
    gym = _gym(world)
    specimen = TODAY - dt.timedelta(days=1)
    onset = specimen - dt.timedelta(days=4)
    a = make_case(world.leeds, specimen_on=specimen, house=1, onset_on=onset)
    attend(a, gym, onset - dt.timedelta(days=6))  # 10 days before the test, 6 before onset
    _case_at(world, gym, house=2, exposed=specimen - dt.timedelta(days=5), specimen=specimen)
    detect()
    assert Cluster.objects.get().members.filter(case=a).exists()


def test_a_second_run_with_nothing_new_changes_nothing(world: World) -> None:
    gym = _gym(world)
    specimen = TODAY - dt.timedelta(days=1)
    for house in (1, 2):
        _case_at(world, gym, house=house, exposed=specimen - dt.timedelta(days=5),
                 specimen=specimen)  # fmt: skip
    detect()
    before = list(Cluster.objects.values())
    counts = detect()
    assert counts == {**counts, "cases_scanned": 0, "exposures_added": 0,
                      "clusters_proposed": 0, "clusters_grown": 0}  # fmt: skip
    assert list(Cluster.objects.values()) == before


def test_new_cases_grow_the_cluster_incrementally(world: World) -> None:
    gym = _gym(world)
    specimen = TODAY - dt.timedelta(days=1)
    for house in (1, 2):
        _case_at(world, gym, house=house, exposed=specimen - dt.timedelta(days=5),
                 specimen=specimen)  # fmt: skip
    detect()
    late = _case_at(world, gym, house=3, exposed=specimen - dt.timedelta(days=3),
                    specimen=specimen)  # fmt: skip
    counts = detect()
    assert counts["cases_scanned"] == 1 and counts["settings_examined"] == 1
    assert counts["clusters_grown"] == 1 and counts["clusters_proposed"] == 0
    cluster = Cluster.objects.get()
    assert cluster.case_count == 3 and cluster.members.filter(case=late).exists()
    assert [entry.kind for entry in cluster.log.all()] == ["proposed", "grew"]


def test_an_attendance_recorded_after_the_case_was_scanned_is_found(world: World) -> None:
    gym = _gym(world)
    specimen = TODAY - dt.timedelta(days=1)
    a = _case_at(world, gym, house=1, exposed=specimen - dt.timedelta(days=5), specimen=specimen)
    b = make_case(world.leeds, specimen_on=specimen, house=2)
    detect()
    assert not Cluster.objects.exists()
    attend(b, gym, specimen - dt.timedelta(days=6))  # the interview came later
    assert detect()["clusters_proposed"] == 1
    assert set(ClusterCase.objects.values_list("case_id", flat=True)) == {a.pk, b.pk}


def test_cases_not_yet_created_at_now_are_left_for_later(world: World) -> None:
    gym = _gym(world)
    specimen = TODAY - dt.timedelta(days=1)
    for house in (1, 2):
        _case_at(world, gym, house=house, exposed=specimen - dt.timedelta(days=5),
                 specimen=specimen)  # fmt: skip
    assert detect(timezone.now() - dt.timedelta(days=30))["cases_scanned"] == 0
    assert detect()["clusters_proposed"] == 1


def test_dry_run_keeps_nothing(world: World) -> None:
    gym = _gym(world)
    specimen = TODAY - dt.timedelta(days=1)
    for house in (1, 2):
        _case_at(world, gym, house=house, exposed=specimen - dt.timedelta(days=5),
                 specimen=specimen)  # fmt: skip
    assert detect(dry_run=True)["clusters_proposed"] == 1
    assert not Cluster.objects.exists() and not CaseExposure.objects.exists()
    assert detect()["clusters_proposed"] == 1


def test_exposures_more_than_a_window_apart_are_separate_clusters(world: World) -> None:
    gym = _gym(world)
    early = TODAY - dt.timedelta(days=30)
    late = TODAY - dt.timedelta(days=1)
    for house in (1, 2):
        _case_at(world, gym, house=house, exposed=early - dt.timedelta(days=5), specimen=early)
    for house in (3, 4):
        _case_at(world, gym, house=house, exposed=late - dt.timedelta(days=5), specimen=late)
    detect()
    assert Cluster.objects.count() == 2


def test_a_gap_filled_later_merges_two_clusters(world: World) -> None:
    gym = _gym(world)
    base = TODAY - dt.timedelta(days=1)
    for house, offset in ((1, 20), (2, 20), (3, 8), (4, 8)):
        spec = base - dt.timedelta(days=offset)
        _case_at(world, gym, house=house, exposed=spec - dt.timedelta(days=5), specimen=spec)
    detect()
    assert Cluster.objects.count() == 2
    bridge = base - dt.timedelta(days=14)
    _case_at(world, gym, house=5, exposed=bridge - dt.timedelta(days=5), specimen=bridge)
    counts = detect()
    assert counts["clusters_merged"] == 1
    kept = Cluster.objects.exclude(status=ClusterStatus.MERGED).get()
    assert kept.case_count == 5
    merged = Cluster.objects.get(status=ClusterStatus.MERGED)
    assert merged.merged_into == kept and not merged.members.exists()


@given(
    st.lists(
        st.tuples(st.integers(0, 60), st.integers(0, 3), st.integers(0, 5)),
        min_size=1,
        max_size=40,
    ),
    st.integers(1, 10),
)
def test_grouping_is_a_partition_with_gaps_of_a_window(rows, window) -> None:
    base = dt.date(2020, 9, 1)
    created = dt.datetime(2020, 10, 1, tzinfo=dt.UTC)
    members = [
        Member(i, hh, base + dt.timedelta(days=d), base + dt.timedelta(days=d + extra), created)
        for i, (d, extra, hh) in enumerate(rows)
    ]
    groups = group_members(members, window)
    assert sorted(m.case_id for g in groups for m in g) == list(range(len(members)))
    for earlier, later in itertools.pairwise(groups):
        assert (min(m.first for m in later) - max(m.last for m in earlier)).days >= window


def test_poisson_surprise() -> None:
    assert poisson_surprise(1.0, 0) == 0.0
    assert poisson_surprise(0.0, 2) == 12.0
    # P(X >= 1 | 1) = 1 - e^-1
    assert poisson_surprise(1.0, 1) == pytest.approx(-__import__("math").log10(1 - 0.367879), 1e-4)
    assert poisson_surprise(0.1, 3) > poisson_surprise(0.1, 2) > poisson_surprise(2.0, 2)


def test_a_dismissed_cluster_is_proposed_again_when_two_new_households_join(
    world: World,
) -> None:
    from tracedesk.clusters.actions import dismiss_cluster

    gym = _gym(world)
    specimen = TODAY - dt.timedelta(days=1)
    for house in (1, 2):
        _case_at(world, gym, house=house, exposed=specimen - dt.timedelta(days=5),
                 specimen=specimen)  # fmt: skip
    detect()
    cluster = Cluster.objects.get()
    dismiss_cluster(cluster, actor=None, note="coincidence", source="tests")
    _case_at(world, gym, house=3, exposed=specimen - dt.timedelta(days=4), specimen=specimen)
    detect()
    cluster.refresh_from_db()
    assert cluster.status == ClusterStatus.DISMISSED and cluster.case_count == 3
    for house in (4, 5):
        _case_at(world, gym, house=house, exposed=specimen - dt.timedelta(days=3),
                 specimen=specimen)  # fmt: skip
    assert detect()["clusters_reopened"] == 1
    cluster.refresh_from_db()
    assert cluster.status == ClusterStatus.PROPOSED and cluster.case_count == 5
    assert [e.kind for e in cluster.log.all()][-2:] == ["grew", "reopened"]


def test_the_background_rate_comes_from_the_same_type_in_the_same_area(world: World) -> None:
    from tracedesk.clusters.detection import Background

    gym, other_gym = _gym(world, "GYM-1"), _gym(world, "GYM-2")
    specimen = TODAY - dt.timedelta(days=1)
    exposed = specimen - dt.timedelta(days=5)
    for house in (1, 2):
        _case_at(world, gym, house=house, exposed=exposed, specimen=specimen)
    detect()
    quiet = Background(timezone.now()).expected(gym, 1, exposed, None)
    assert quiet > 0  # smoothed: never "impossible by chance"
    for house in range(3, 9):
        _case_at(world, other_gym, house=house, exposed=exposed, specimen=specimen)
    detect()
    busy = Background(timezone.now()).expected(gym, 1, exposed, None)
    assert busy > quiet
    # Long before, none of these count.
    early = Background(timezone.now()).expected(gym, 1, exposed - dt.timedelta(days=60), None)
    assert early < quiet
