"""Read-volume alerts: the robust statistic, and the worker job that raises alerts."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import transaction
from hypothesis import given
from hypothesis import strategies as st

from tracedesk.accounts.models import User
from tracedesk.accounts.roles import Role
from tracedesk.audit import jobs, volume
from tracedesk.audit.models import Action, AuditEvent, ReadAlert
from tracedesk.testing.world import World, make_user

NOW = dt.datetime(2026, 3, 10, 9, 0, tzinfo=dt.UTC)
YESTERDAY_NOON = dt.datetime(2026, 3, 9, 12, 0, tzinfo=dt.UTC)


def test_the_statistic_flags_only_the_far_reader() -> None:
    counts = {1: 40, 2: 42, 3: 38, 4: 45, 5: 41, 6: 39, 7: 400}
    stat, flagged = volume.outliers(counts)
    assert stat is not None
    assert stat.median == 41 and stat.mad == 2
    assert stat.threshold == pytest.approx(41 + 3.5 * 4.1)  # the floor: a tenth of the median
    assert flagged == {7: 400}


def test_too_few_peers_are_not_assessed() -> None:
    assert volume.outliers({1: 10, 2: 11, 3: 900, 4: 9}) == (None, {})


def test_identical_peers_do_not_flag_a_slightly_busier_colleague() -> None:
    # MAD is 0: the floor (a tenth of the median) keeps 52 against 40s from alerting.
    _, flagged = volume.outliers({1: 40, 2: 40, 3: 40, 4: 40, 5: 40, 6: 52})
    assert flagged == {}


def test_a_quiet_day_flags_nobody_below_the_minimum() -> None:
    _, flagged = volume.outliers({1: 1, 2: 1, 3: 1, 4: 1, 5: 1, 6: 15})
    assert flagged == {}  # far above peers, but 15 reads is not worth a reviewer's time


@given(st.dictionaries(st.integers(1, 500), st.integers(0, 5000), min_size=5, max_size=60))
def test_flagged_users_are_always_above_the_median_and_the_minimum(counts: dict[int, int]) -> None:
    stat, flagged = volume.outliers(counts)
    assert stat is not None
    assert len(flagged) < len(counts) / 2 + 1  # a median cannot call most people outliers
    for reads in flagged.values():
        assert reads > stat.threshold > stat.median and reads >= volume.MIN_READS


@given(
    st.dictionaries(st.integers(1, 500), st.integers(0, 5000), min_size=5, max_size=60),
    st.integers(1, 10),
)
def test_one_users_extra_reads_never_unflag_them(counts: dict[int, int], extra: int) -> None:
    _, flagged = volume.outliers(counts)
    for user in flagged:
        _, again = volume.outliers({**counts, user: counts[user] + extra})
        assert user in again


def _reads(user: User, n: int, at: dt.datetime) -> None:
    AuditEvent.objects.bulk_create(
        AuditEvent(actor=user, actor_role="tracer", action=Action.VIEW, object_type="cases.case",
                   object_id="1", purpose="case page", source="web", at=at)
        for _ in range(n)
    )  # fmt: skip


def test_the_job_raises_one_alert_per_user_and_day(world: World) -> None:
    tracers = [make_user(f"tracer_{i}", Role.TRACER, world.leeds) for i in range(6)]
    for i, tracer in enumerate(tracers):
        _reads(tracer, 30 + i, YESTERDAY_NOON)
    _reads(world.users["tracer_a"], 300, YESTERDAY_NOON)
    _reads(world.users["tracer_b"], 31, YESTERDAY_NOON - dt.timedelta(days=3))  # another day
    assert [job.name for job in jobs.JOBS] == ["audit.read_volume"]

    assert volume.run(NOW, dry_run=True)["new_alerts"] == 1
    assert not ReadAlert.objects.exists()

    with time_machine.travel(NOW, tick=False):
        counts = volume.run(NOW, dry_run=False)
    assert (
        counts["new_alerts"] == 1 and counts["users_assessed"] == 7
    )  # tracer_b's day had no peers
    alert = ReadAlert.objects.get()
    assert (alert.user, alert.reads, alert.peers) == (world.users["tracer_a"], 300, 7)
    assert alert.period_end - alert.period_start == dt.timedelta(days=1)
    assert alert.period_start <= YESTERDAY_NOON < alert.period_end
    event = AuditEvent.objects.get(object_type="audit.readalert")
    assert event.object_ids == [alert.pk] and event.source == "worker:audit.read_volume"
    # Idempotent: the same day again, or the next hour's run, adds nothing.
    assert volume.run(NOW, dry_run=False)["new_alerts"] == 0
    assert volume.run(NOW + dt.timedelta(hours=1), dry_run=False)["new_alerts"] == 0
    assert ReadAlert.objects.count() == 1


def test_writes_and_system_work_do_not_count_as_reads(world: World) -> None:
    tracers = [make_user(f"tracer_{i}", Role.TRACER, world.leeds) for i in range(6)]
    for tracer in tracers:
        _reads(tracer, 30, YESTERDAY_NOON)
    with transaction.atomic():
        AuditEvent.objects.bulk_create(
            AuditEvent(actor=world.users["tracer_a"], actor_role="tracer", action=Action.UPDATE,
                       object_type="cases.case", object_id="1", at=YESTERDAY_NOON)
            for _ in range(500)
        )  # fmt: skip
    assert volume.run(NOW, dry_run=False)["new_alerts"] == 0


def test_days_follow_the_local_clock() -> None:
    # 00:30 BST on 1 July is still 30 June in UTC: "yesterday" is 30 June local time.
    start, end = volume.day_bounds(dt.datetime(2026, 6, 30, 23, 30, tzinfo=dt.UTC), 1)
    assert start == dt.datetime(2026, 6, 29, 23, 0, tzinfo=dt.UTC)
    assert end == dt.datetime(2026, 6, 30, 23, 0, tzinfo=dt.UTC)
