"""Benchmark the KPI dashboard for a national week over a large database.

    .venv/bin/python benchmarks/kpi_dashboard.py --size 1000000
    scripts/with-postgres.sh .venv/bin/python benchmarks/kpi_dashboard.py --size 1000000

Fills an empty database (PostgreSQL when DATABASE_URL points at one, else a fresh SQLite
file under --data-dir) with ``--size`` contacts over 8 weeks in 300 local authorities:
one case per 2.3 contacts, each with its positive result and its "reach the case" task
(85% reached, by 200 tracers in 20 teams of 5 contractors), one "reach the contact" task
per contact (62% reached). The records are written set-based: one ``INSERT ... SELECT``
per table and chunk of 500,000 rows over a row-number series (``generate_series`` on
PostgreSQL, a recursive CTE on SQLite), ids and relations computed from the row numbers
and pseudo-random figures from a hash of them, so no row passes through Python. Builds
the KPI summaries day by day with ``kpis.summary.rebuild_day`` — the function the
worker's refresh job (``kpis.jobs``) calls for each day its audit events touched — then
times, as medians of ``--repeat`` runs, the dashboard page for the last full week signed
in as a national analyst, and once, for contrast, one KPI of that week computed from the
records.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import pathlib
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from typing import Any

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.quiet import wait_until_quiet  # noqa: E402

AUTHORITIES = 300
TRACERS = 200
TEAMS = 20
DAYS = 56
CHUNK = 500_000
QUEUE_DAYS = 3
BENCH_PASSWORD = "bench-" + "pass"  # a throwaway benchmark database


def setup_django(data_dir: str) -> None:
    os.environ.setdefault("TRACEDESK_DATA_DIR", data_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracedesk.settings")
    import django

    django.setup()


# Pseudo-random numbers in SQL: a multiplicative hash of the row number and a salt,
# the same on both databases (a fill is reproducible for a given --seed).
PRIME = 4294967291  # the largest prime below 2**32


def uniform(column: str, salt: int) -> str:
    """SQL for a number in [0, 1) drawn from the row number ``column``."""
    return f"((({column} + {salt}) * 2654435761) %% {PRIME}) * 1.0 / {PRIME}"


def pick(column: str, salt: int, count: int) -> str:
    """SQL for an integer in [0, count) drawn from the row number ``column``."""
    return f"((({column} + {salt}) * 2246822519) %% {PRIME}) %% {count}"


def moment(seconds: str) -> str:
    """SQL for the datetime ``seconds`` after the Unix epoch, as Django stores it."""
    from django.db import connection

    if connection.vendor == "postgresql":
        return f"to_timestamp({seconds})"
    return f"datetime({seconds}, 'unixepoch')"  # UTC text, as Django writes it to SQLite


def day_of(seconds: str) -> str:
    from django.db import connection

    if connection.vendor == "postgresql":
        return f"(to_timestamp({seconds}) AT TIME ZONE 'UTC')::date"
    return f"date({seconds}, 'unixepoch')"


def numbers(first: int, last: int) -> tuple[str, list[int]]:
    """A FROM item of the integers first..last (column ``n``), set-based on each database."""
    from django.db import connection

    if connection.vendor == "postgresql":
        return "generate_series(CAST(%s AS BIGINT), CAST(%s AS BIGINT)) AS g(n)", [first, last]
    return (
        "(WITH RECURSIVE s(n) AS (SELECT %s UNION ALL SELECT n + 1 FROM s WHERE n < %s)"
        " SELECT n FROM s) AS g",
        [first, last],
    )


def insert_select(
    model: type[Any], columns: dict[str, str], source: str, params: Sequence[Any]
) -> None:
    """``INSERT INTO model (columns) SELECT expressions FROM source``: one statement for
    many rows. Fields not named take their model default, the same for every row (as
    ``bulk.insert_rows`` does)."""
    from django.db import connection

    from tracedesk.bulk import _adapter, _default

    meta = model._meta
    named = [meta.get_field(name) for name in columns]
    others = [f for f in meta.concrete_fields if f not in named]
    defaults: list[Any] = []
    for field in others:
        value, adapt = _default(field), _adapter(field)
        defaults.append(value if adapt is None or value is None else adapt(value))
    quote = connection.ops.quote_name
    names = ", ".join(quote(str(f.column)) for f in [*named, *others])
    select = ", ".join([*columns.values(), *(["%s"] * len(others))])
    sql = f"INSERT INTO {quote(meta.db_table)} ({names}) SELECT {select} FROM {source}"  # noqa: S608  (the benchmark's own SQL)
    with connection.cursor() as cursor:
        cursor.execute(sql, [*defaults, *params])


def in_chunks(total: int, write: Callable[[int, int], None]) -> None:
    """Call ``write(first, last)`` for row numbers 0..total-1, CHUNK rows per transaction."""
    from django.db import transaction

    for first in range(0, total, CHUNK):
        with transaction.atomic():
            write(first, min(total, first + CHUNK) - 1)


def fill(size: int, seed: int) -> tuple[list[int], dt.date]:
    """Write the records with set-based INSERT ... SELECT statements (ids computed from
    the row numbers, so rows refer to each other by arithmetic); return the tracers' ids
    and the first day."""
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from tracedesk.accounts.models import Team, User
    from tracedesk.cases.models import Case, Contact
    from tracedesk.contracts.models import Contractor
    from tracedesk.geography.models import Jurisdiction, Level
    from tracedesk.ingest.models import TestResult
    from tracedesk.people.models import Person
    from tracedesk.tracing.models import TracingTask

    call_command("migrate", verbosity=0)
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
    # Rows pick an authority and a tracer by arithmetic on their ids.
    assert places == list(range(places[0], places[0] + AUTHORITIES))
    assert tracers == list(range(tracers[0], tracers[0] + TRACERS))
    analyst = User.objects.create_user(username="analyst", password=BENCH_PASSWORD, role="analyst")
    analyst.jurisdictions.set([england])
    n_cases = max(1, int(size / 2.3))
    pool = n_cases + size // 4  # contacts are drawn from a pool: many named more than once
    today = timezone.localdate()
    first_day = today - dt.timedelta(days=DAYS)
    tz = timezone.get_current_timezone()
    origin = int(dt.datetime.combine(first_day, dt.time.min).replace(tzinfo=tz).timestamp())
    queue_from = int((timezone.now() - dt.timedelta(days=QUEUE_DAYS)).timestamp())
    span = DAYS * 86400
    s = seed * 1_000_003
    place, tracer = places[0], tracers[0]
    # Ids follow the row numbers: person n, case i, contact n, then the tasks.
    p0, c0, k0 = 1, 1, 1
    t0 = n_cases + 1  # contact tasks after the case tasks

    def people(first: int, last: int) -> None:
        source, params = numbers(first, last)
        insert_select(
            Person,
            {
                "id": f"{p0} + n",
                "first_name": "'Synth'",
                "last_name": "'P' || CAST(n AS TEXT)"
                if connection.vendor == "sqlite"
                else "'P' || n",
                "jurisdiction": f"{place} + n %% {AUTHORITIES}",
            },
            source,
            params,
        )

    def case_source(first: int, last: int) -> tuple[str, list[int]]:
        series, params = numbers(first, last)
        return (  # the benchmark's own SQL, from numbers: nothing from outside
            f"(SELECT n, {origin} + ({span} * n) / {n_cases} AS created,"  # noqa: S608
            f" {place} + {pick('n', s + 1, AUTHORITIES)} AS place,"
            f" CASE WHEN {uniform('n', s + 2)} < 0.1 THEN 1 ELSE 0 END AS complex,"
            f" CASE WHEN {uniform('n', s + 3)} < 0.85 THEN 1 ELSE 0 END AS reached"
            f" FROM {series}) AS c",
            params,
        )

    true = "TRUE" if connection.vendor == "postgresql" else "1"

    def cases(first: int, last: int) -> None:
        source, params = case_source(first, last)
        specimen = moment("created - 30 * 3600")
        insert_select(
            Case,
            {
                "id": f"{c0} + n",
                "person": f"{p0} + n",
                "jurisdiction": "place",
                "first_specimen_at": specimen,
                "latest_specimen_at": specimen,
                "is_complex": f"complex = 1 AND {true}",
                "created_at": moment("created"),
            },
            source,
            params,
        )
        insert_select(
            TestResult,
            {
                "id": f"{c0} + n",
                "lab_code": "'LAB'",
                "specimen_id": f"'S' || CAST({c0} + n AS TEXT)",
                "test_code": "'94500-6'",
                "result": "'positive'",
                "specimen_collected_at": specimen,
                "result_at": moment(
                    f"created - CAST(3600 * (1 + 5 * {uniform('n', s + 4)}) AS BIGINT)"
                ),
                "person": f"{p0} + n",
                "case": f"{c0} + n",
                "jurisdiction": "place",
            },
            source,
            params,
        )
        delay = f"CAST(-ln(1 - {uniform('n', s + 5)}) * 14 * 3600 AS BIGINT)"
        insert_select(
            TracingTask,
            {
                "id": f"{c0} + n",
                "kind": "'reach_case'",
                "case": f"{c0} + n",
                "jurisdiction": "place",
                "priority": "CASE WHEN complex = 1 THEN 2 ELSE 3 END",
                "due_by": moment("created + 86400"),
                "status": f"CASE WHEN reached = 1 THEN 'done' WHEN created > {queue_from}"
                " THEN 'open' ELSE 'cancelled' END",
                "assignee": f"CASE WHEN reached = 1 THEN {tracer} + "
                f"{pick('n', s + 6, TRACERS)} END",
                "created_at": moment("created"),
                "completed_at": f"CASE WHEN reached = 1 THEN {moment(f'created + {delay}')} END",
            },
            source,
            params,
        )

    def contacts(first: int, last: int) -> None:
        series, params = numbers(first, last)
        source = (  # the benchmark's own SQL, from numbers: nothing from outside
            f"(SELECT n, case_index, created + CAST(3600 * (1 + 19 * {uniform('n', s + 7)})"  # noqa: S608
            f" AS BIGINT) AS reported, place,"
            f" CASE WHEN {uniform('n', s + 8)} < 0.62 THEN 1 ELSE 0 END AS reached"
            f" FROM (SELECT n, i AS case_index, {origin} + ({span} * i) / {n_cases} AS created,"
            f" {place} + {pick('i', s + 1, AUTHORITIES)} AS place"
            f" FROM (SELECT n, (n * {n_cases}) / {size} AS i FROM {series}) AS a) AS b) AS k"
        )
        insert_select(
            Contact,
            {
                "id": f"{k0} + n",
                "case": f"{c0} + case_index",
                "person": f"{p0 + n_cases} + n %% {pool - n_cases}",
                "jurisdiction": "place",
                "contact_type": f"CASE WHEN {uniform('n', s + 9)} < 0.45 THEN 'household'"
                " ELSE 'social' END",
                "last_exposure_date": day_of("reported"),
                "reported_at": moment("reported"),
            },
            source,
            params,
        )
        delay = f"CAST(-ln(1 - {uniform('n', s + 10)}) * 20 * 3600 AS BIGINT)"
        insert_select(
            TracingTask,
            {
                "id": f"{t0} + n",
                "kind": "'reach_contact'",
                "contact": f"{k0} + n",
                "case": f"{c0} + case_index",
                "jurisdiction": "place",
                "priority": "3",
                "due_by": moment("reported + 86400"),
                "status": f"CASE WHEN reached = 1 THEN 'done' WHEN reported > {queue_from}"
                " THEN 'open' ELSE 'cancelled' END",
                "assignee": f"CASE WHEN reached = 1 THEN {tracer} + "
                f"{pick('n', s + 11, TRACERS)} END",
                "created_at": moment("reported"),
                "completed_at": f"CASE WHEN reached = 1 THEN {moment(f'reported + {delay}')} END",
            },
            source,
            params,
        )

    for model in (Person, Case, Contact, TestResult, TracingTask):
        assert not model.objects.exists(), f"{model.__name__}: the database is not empty"
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            # The fill only: a 1 GiB page cache keeps the indexes' insertion points in memory
            # (SQLite's default 2 MB thrashes past a few million rows). Restored afterwards,
            # so the summaries and the page are timed with the settings a service runs with.
            cursor.execute("PRAGMA cache_size")
            default_cache = cursor.fetchone()[0]
            cursor.execute("PRAGMA cache_size = -1048576")
    in_chunks(pool, people)
    in_chunks(n_cases, cases)
    in_chunks(size, contacts)
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"PRAGMA cache_size = {int(default_cache)}")
        if connection.vendor == "postgresql":
            for model in (Person, Case, Contact, TestResult, TracingTask):
                table = model._meta.db_table
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence(%s, 'id'), MAX(id)) FROM {table}",  # noqa: S608
                    [table],
                )
        cursor.execute("ANALYZE")  # as autovacuum would, given time
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
        "--quiet-below",
        type=float,
        default=0.0,
        help="after filling and summarising, wait (up to an hour) until the 1-minute load"
        " average is below this before timing the page",
    )
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
    print(wait_until_quiet(args.quiet_below))
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
