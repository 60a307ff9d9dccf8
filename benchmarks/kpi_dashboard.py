"""Benchmark the KPI dashboard for a national week over a large database.

    .venv/bin/python benchmarks/kpi_dashboard.py --size 1000000
    scripts/with-postgres.sh .venv/bin/python benchmarks/kpi_dashboard.py --size 1000000

Fills an empty database (PostgreSQL when DATABASE_URL points at one, else a fresh SQLite
file under --data-dir) with ``--size`` contacts over 8 weeks in 300 local authorities:
one case per 2.3 contacts, each with its positive result and its "reach the case" task
(85% reached, by 200 tracers in 20 teams of 5 contractors), one "reach the contact" task
per contact (62% reached), written with ``bulk.insert_rows``. Builds the KPI summaries
day by day (``kpis.summary.rebuild_day``, as the refresh job does for a changed day),
then times, as medians of ``--repeat`` runs, the dashboard page for the last full week
signed in as a national analyst, and once, for contrast, one KPI of that week computed
from the records.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import pathlib
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

AUTHORITIES = 300
TRACERS = 200
TEAMS = 20
DAYS = 56
CHUNK = 200_000
QUEUE_DAYS = 3
BENCH_PASSWORD = "bench-" + "pass"  # a throwaway benchmark database


def setup_django(data_dir: str) -> None:
    os.environ.setdefault("TRACEDESK_DATA_DIR", data_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracedesk.settings")
    import django

    django.setup()


def waiting(created: dt.datetime) -> str:
    """An unreached task stays in the queue for 3 days; older ones were closed unreached."""
    from django.utils import timezone

    return "open" if created > timezone.now() - dt.timedelta(days=QUEUE_DAYS) else "cancelled"


def fill(size: int, seed: int) -> tuple[list[int], dt.date]:
    """Write the records; return the tracers' ids and the first day."""
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from tracedesk.accounts.models import Team, User
    from tracedesk.bulk import insert_rows
    from tracedesk.cases.models import Case, Contact
    from tracedesk.contracts.models import Contractor
    from tracedesk.geography.models import Jurisdiction, Level
    from tracedesk.ingest.models import TestResult
    from tracedesk.people.models import Person
    from tracedesk.tracing.models import TracingTask

    call_command("migrate", verbosity=0)
    rng = random.Random(seed)
    england = Jurisdiction.objects.create(code="E92000001", name="England", level=Level.NATION)
    regions = [
        Jurisdiction.objects.create(
            code=f"E120000{i:02d}", name=f"Region {i}", level=Level.REGION, parent=england
        )
        for i in range(9)
    ]
    places = [
        Jurisdiction.objects.create(
            code=f"E0600{i:04d}",
            name=f"Authority {i}",
            level=Level.LOCAL_AUTHORITY,
            parent=regions[i % 9],
        ).pk
        for i in range(AUTHORITIES)
    ]
    contractors = [Contractor.objects.create(name=f"Contractor {i}") for i in range(5)]
    teams = [
        Team.objects.create(name=f"Team {i}", contractor=contractors[i % 5]) for i in range(TEAMS)
    ]
    tracers = [
        User.objects.create(username=f"tracer{i}", role="tracer", team=teams[i % TEAMS]).pk
        for i in range(TRACERS)
    ]
    analyst = User.objects.create_user(username="analyst", password=BENCH_PASSWORD, role="analyst")
    analyst.jurisdictions.set([england])
    n_cases = max(1, int(size / 2.3))
    pool = n_cases + size // 4  # contacts are drawn from a pool: many named more than once
    today = timezone.localdate()
    first_day = today - dt.timedelta(days=DAYS)
    tz = timezone.get_current_timezone()
    origin = dt.datetime.combine(first_day, dt.time.min).replace(tzinfo=tz)
    span = DAYS * 86400
    for start in range(0, pool, CHUNK):
        with transaction.atomic():
            insert_rows(
                Person,
                ["first_name", "last_name", "jurisdiction"],
                [
                    ("Synth", f"P{i}", places[i % AUTHORITIES])
                    for i in range(start, min(pool, start + CHUNK))
                ],
            )
    first_person = Person.objects.order_by("pk").values_list("pk", flat=True)[0]
    case_rows: list[tuple[int, dt.datetime, int, bool]] = []
    for i in range(n_cases):
        created = origin + dt.timedelta(seconds=span * i / n_cases)
        case_rows.append(
            (first_person + i, created, places[rng.randrange(AUTHORITIES)], rng.random() < 0.1)
        )
    case_ids: list[int] = []
    for start in range(0, n_cases, CHUNK):
        part = case_rows[start : start + CHUNK]
        with transaction.atomic():
            ids = insert_rows(
                Case,
                [
                    "person",
                    "jurisdiction",
                    "first_specimen_at",
                    "latest_specimen_at",
                    "is_complex",
                    "created_at",
                ],
                [
                    (p, j, c - dt.timedelta(hours=30), c - dt.timedelta(hours=30), x, c)
                    for p, c, j, x in part
                ],
            )
            insert_rows(
                TestResult,
                [
                    "lab_code",
                    "specimen_id",
                    "test_code",
                    "result",
                    "specimen_collected_at",
                    "result_at",
                    "person",
                    "case",
                    "jurisdiction",
                ],
                [
                    (
                        "LAB",
                        f"S{cid}",
                        "94500-6",
                        "positive",
                        c - dt.timedelta(hours=30),
                        c - dt.timedelta(hours=rng.uniform(1, 6)),
                        p,
                        cid,
                        j,
                    )
                    for cid, (p, c, j, _x) in zip(ids, part, strict=True)
                ],
            )
            tasks = []
            for cid, (_p, c, j, x) in zip(ids, part, strict=True):
                reached = rng.random() < 0.85
                done = c + dt.timedelta(hours=rng.expovariate(1 / 14)) if reached else None
                tasks.append(
                    (
                        "reach_case",
                        cid,
                        j,
                        2 if x else 3,
                        c + dt.timedelta(hours=24),
                        "done" if reached else waiting(c),
                        rng.choice(tracers) if reached else None,
                        c,
                        done,
                    )
                )
            insert_rows(
                TracingTask,
                [
                    "kind",
                    "case",
                    "jurisdiction",
                    "priority",
                    "due_by",
                    "status",
                    "assignee",
                    "created_at",
                    "completed_at",
                ],
                tasks,
            )
        case_ids.extend(ids)
    written = 0
    while written < size:
        count = min(CHUNK, size - written)
        rows, meta = [], []
        for n in range(written, written + count):
            index = n * n_cases // size
            case_id = case_ids[index]
            _p, created, place, _complex = case_rows[index]
            person = first_person + n_cases + (n % (pool - n_cases))
            reported = created + dt.timedelta(hours=rng.uniform(1, 20))
            rows.append(
                (
                    case_id,
                    person,
                    place,
                    "household" if rng.random() < 0.45 else "social",
                    reported.date(),
                    reported,
                )
            )
            meta.append((case_id, place, reported))
        with transaction.atomic():
            ids = insert_rows(
                Contact,
                [
                    "case",
                    "person",
                    "jurisdiction",
                    "contact_type",
                    "last_exposure_date",
                    "reported_at",
                ],
                rows,
            )
            contact_tasks: list[tuple[object, ...]] = []
            for kid, (case_id, place, reported) in zip(ids, meta, strict=True):
                reached = rng.random() < 0.62
                done = reported + dt.timedelta(hours=rng.expovariate(1 / 20)) if reached else None
                contact_tasks.append(
                    (
                        "reach_contact",
                        kid,
                        case_id,
                        place,
                        3,
                        reported + dt.timedelta(hours=24),
                        "done" if reached else waiting(reported),
                        rng.choice(tracers) if reached else None,
                        reported,
                        done,
                    )
                )
            insert_rows(
                TracingTask,
                [
                    "kind",
                    "contact",
                    "case",
                    "jurisdiction",
                    "priority",
                    "due_by",
                    "status",
                    "assignee",
                    "created_at",
                    "completed_at",
                ],
                contact_tasks,
            )
        written += count
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # as autovacuum would, given time
            cursor.execute("ANALYZE")
    else:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return tracers, first_day


def median_ms(work: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--size", type=int, default=100_000, help="contacts to write")
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--data-dir", default="")
    parser.add_argument(
        "--measure-only",
        action="store_true",
        help="Reuse the filled and summarised database in --data-dir (SQLite): time the page only",
    )
    args = parser.parse_args()
    data_dir = args.data_dir or tempfile.mkdtemp(prefix="tracedesk-kpi-bench-")
    setup_django(data_dir)

    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from tracedesk.cases.models import Case, Contact
    from tracedesk.kpis import engine
    from tracedesk.kpis.dashboard import week_of
    from tracedesk.kpis.facts import day_start
    from tracedesk.kpis.models import KpiCell
    from tracedesk.kpis.summary import rebuild_day
    from tracedesk.tracing.models import TracingTask

    settings.ALLOWED_HOSTS = ["*"]
    # No collectstatic step here: plain static URLs instead of the hashed-name manifest.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    started = time.perf_counter()
    if not args.measure_only:
        first_day = fill(args.size, args.seed)[1]
    print(
        f"{connection.vendor}: {Contact.objects.count():,} contacts, "
        f"{Case.objects.count():,} cases, "
        f"{TracingTask.objects.filter(status__in=['open', 'claimed']).count():,} active tasks, "
        f"written in {time.perf_counter() - started:.0f} s"
    )
    day_times = []
    for offset in range(0 if args.measure_only else DAYS + 1):
        t0 = time.perf_counter()
        rebuild_day(first_day + dt.timedelta(days=offset))
        day_times.append(time.perf_counter() - t0)
    print(
        f"summaries: {KpiCell.objects.count():,} cells; rebuilding one day: median "
        f"{statistics.median(day_times or [0]):.2f} s, max {max(day_times or [0]):.2f} s "
        f"(total {sum(day_times):.0f} s)"
    )
    client = Client()
    assert client.login(username="analyst", password=BENCH_PASSWORD)
    week = week_of(None)
    url = reverse("kpi-dashboard") + f"?week={week.isoformat()}"
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    page_ms = median_ms(lambda: client.get(url), args.repeat)
    print(
        f"dashboard, national week of {week}: median {page_ms:.0f} ms ({args.repeat} runs); "
        f"target ≤ 300 ms"
    )
    start, end = day_start(week), day_start(week + dt.timedelta(days=7))
    t0 = time.perf_counter()
    direct = engine.measure("contacts_reached_48h", start=start, end=end, source="records")
    records_s = time.perf_counter() - t0
    summary = engine.measure("contacts_reached_48h", start=start, end=end, source="summary")
    assert direct == summary, (direct, summary)
    print(
        f"one KPI of that week from the records: {records_s:.1f} s "
        f"({direct.denominator:,} contacts; equal to the summary figure)"
    )


if __name__ == "__main__":
    main()
