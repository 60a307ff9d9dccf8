"""The summaries, maintained only by the refresh job, always equal the figures from the records."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tracedesk.kpis import engine
from tracedesk.kpis.definitions import KPIS
from tracedesk.kpis.summary import refresh
from tracedesk.kpis.tests import builders as b
from tracedesk.testing.world import World
from tracedesk.tracing.models import TaskKind, TaskStatus, TracingTask

# Recent days: tracer states then stay near "now", as in real use.
D = dt.datetime.combine(
    dt.datetime.now(tz=ZoneInfo("Europe/London")).date() - dt.timedelta(days=6), dt.time.min
).replace(tzinfo=ZoneInfo("Europe/London"))
KEYS = [k for k, d in KPIS.items() if d.subject != "tracer" and ":" not in k] + [
    "cases_reached_24h:complex",
    "contacts_reached_48h:household",
    "contacts_reached:non_complex",
]

operation = st.one_of(
    st.tuples(st.just("case"), st.integers(0, 3), st.integers(0, 23), st.booleans()),
    st.tuples(st.just("contact"), st.integers(0, 50), st.booleans(), st.integers(0, 30)),
    st.tuples(st.just("same_person"), st.integers(0, 50), st.integers(0, 50), st.booleans()),
    st.tuples(st.just("reach_case"), st.integers(0, 50), st.integers(0, 100), st.booleans()),
    st.tuples(st.just("reach_contact"), st.integers(0, 50), st.integers(0, 100), st.booleans()),
    st.tuples(st.just("refresh"), st.just(0), st.just(0), st.just(False)),
)


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.lists(operation, min_size=1, max_size=25))
def test_refreshed_summaries_equal_the_records(world: World, ops: list[tuple]) -> None:
    tracers = [world.users["tracer_a"], world.users["supervisor_a"], world.users["tracer_b"]]
    cases, contacts = [], []
    for kind, x, y, flag in ops:
        if kind == "case":
            cases.append(
                b.case(
                    world.leeds if flag else world.camden,
                    transferred=D + dt.timedelta(days=x, hours=y),
                    result=D + dt.timedelta(days=x, hours=y - 2),
                    is_complex=flag,
                )
            )
        elif kind == "contact" and cases:
            of = cases[x % len(cases)]
            contacts.append(
                b.contact(of, reported=of.created_at + dt.timedelta(hours=y), household=flag)
            )
        elif kind == "same_person" and cases and contacts:
            of, named = cases[x % len(cases)], contacts[y % len(contacts)]
            fresh = of.pk != named.case_id and of.person_id != named.person_id
            if fresh and not of.contacts.filter(person=named.person).exists():
                contacts.append(
                    b.contact(
                        of,
                        reported=of.created_at + dt.timedelta(hours=3),
                        who=named.person,
                        household=flag,
                    )
                )
        elif kind == "reach_case" and cases:
            c = cases[x % len(cases)]
            task = c.tasks.filter(kind=TaskKind.REACH_CASE, status=TaskStatus.OPEN).first()
            if task:
                b.reach(task, tracers[y % 3], c.created_at + dt.timedelta(hours=y), reached=flag)
        elif kind == "reach_contact" and contacts:
            k = contacts[x % len(contacts)]
            task = TracingTask.objects.filter(
                kind=TaskKind.REACH_CONTACT, contact__person=k.person, status=TaskStatus.OPEN
            ).first()
            if task:
                b.reach(task, tracers[y % 3], k.reported_at + dt.timedelta(hours=y), reached=flag)
        elif kind == "refresh":
            refresh(dt.datetime.now(tz=dt.UTC))
    refresh(dt.datetime.now(tz=dt.UTC))
    periods = [(D, D + dt.timedelta(days=5))] + [
        (D + dt.timedelta(days=i), D + dt.timedelta(days=i + 1)) for i in (0, 3)
    ]
    filters: list[dict[str, Any]] = [
        {},
        {"jurisdiction_ids": [world.leeds.pk]},
        {"team_id": tracers[0].team_id},
    ]
    for start, end in periods:
        for f in filters:
            for key in KEYS:
                direct = engine.measure(key, start=start, end=end, source="records", **f)
                summary = engine.measure(key, start=start, end=end, source="summary", **f)
                assert direct == summary, (key, start, f)


def test_jobs_are_registered_and_idempotent(world: World) -> None:
    from tracedesk.kpis.models import KpiCell
    from tracedesk.worker.registry import discover

    jobs = {job.name: job for job in discover()}
    assert {"kpis.refresh", "kpis.rebuild_recent"} <= set(jobs)
    c = b.case(world.leeds, transferred=D + dt.timedelta(hours=5))
    b.reach_case(c, world.users["tracer_a"], D + dt.timedelta(hours=9))
    now = dt.datetime.now(tz=dt.UTC)
    assert jobs["kpis.refresh"].run(now, True)["cells"] == 0  # dry run writes nothing
    assert not KpiCell.objects.filter(day=D.date()).exists()
    first = jobs["kpis.refresh"].run(now, False)
    assert first["days"] >= 1
    rows = sorted(KpiCell.objects.values_list("day", "jurisdiction_id", "measure", "hours", "n"))
    jobs["kpis.refresh"].run(now, False)
    jobs["kpis.rebuild_recent"].run(now, False)
    again = sorted(KpiCell.objects.values_list("day", "jurisdiction_id", "measure", "hours", "n"))
    assert again == rows
    figure = engine.measure("cases_reached_24h", start=D, end=D + dt.timedelta(days=1))
    assert (figure.numerator, figure.denominator) == (1, 1)
