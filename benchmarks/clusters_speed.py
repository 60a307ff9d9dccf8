"""Speed of common-exposure detection over many venue check-ins and cases.

    .venv/bin/python benchmarks/clusters_speed.py --size 1000000
    .venv/bin/python benchmarks/clusters_speed.py --size 10000000 --cases 100000
    scripts/with-postgres.sh .venv/bin/python benchmarks/clusters_speed.py --size 1000000
    scripts/with-postgres.sh .venv/bin/python benchmarks/clusters_speed.py --size 10000000 \
        --cases 100000 --only postgresql

Builds a database directly (set-based inserts, not timed): ``--size`` check-ins over 14
days at ``size / 100`` venues by ``size / 5`` app users, ``--cases`` cases (default
``size / 100``) of whom 30% have a linked check-in token, two interview attendances per
case, and 1 planted outbreak per 100 venues (five cases in one evening). Then times:

- the first detection run (every case scanned, every exposure found, every setting grouped);
- an incremental run after one more day of check-ins and cases (1/14 of each);
- a run with nothing new.

SQLite always; PostgreSQL too when DATABASE_URL points at one. Each in a child process.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import pathlib
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
DAYS = 14
CHUNK = 250_000


def child(size: int, cases: int) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracedesk.settings")
    import django

    django.setup()
    import numpy as np
    from django.core.management import call_command
    from django.db import connection, transaction

    from tracedesk.bulk import insert_rows
    from tracedesk.cases.models import Case
    from tracedesk.clusters.detection import detect
    from tracedesk.clusters.models import Cluster
    from tracedesk.geography.models import Jurisdiction, Level
    from tracedesk.people.models import Person
    from tracedesk.places.models import (
        Attendance,
        CheckIn,
        CheckInBatch,
        DeviceToken,
        Setting,
        SettingDay,
    )

    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    rng = np.random.default_rng(1)
    start = dt.datetime(2021, 6, 1, tzinfo=dt.UTC)
    built = time.perf_counter()
    n_venues = max(size // 100, 50)
    n_tokens = max(size // 5, 100)

    england = Jurisdiction.objects.create(code="E92000001", name="England", level=Level.NATION)
    region = Jurisdiction.objects.create(
        code="E12000003", name="Yorkshire", level=Level.REGION, parent=england
    )
    areas = [
        Jurisdiction.objects.create(
            code=f"E080000{i:02d}", name=f"Area {i}", level=Level.LOCAL_AUTHORITY, parent=region
        )
        for i in range(10)
    ]
    kinds = ["hospitality", "retail", "gym", "place_of_worship", "healthcare"]

    def add_checkins(batch: CheckInBatch, count: int, first_day: int, days: int) -> None:
        table = CheckIn._meta.db_table
        done = 0
        while done < count:
            n = min(CHUNK, count - done)
            venue = rng.integers(1, n_venues + 1, n)
            token = rng.integers(1, n_tokens + 1, n)
            seconds = rng.integers(first_day * 86400, (first_day + days) * 86400, n)
            rows = [
                (int(v), int(t), start + dt.timedelta(seconds=int(s)), batch.pk)
                for v, t, s in zip(venue, token, seconds, strict=True)
            ]
            with transaction.atomic(), connection.cursor() as cursor:
                if connection.vendor == "postgresql":
                    cursor.execute(
                        "CREATE TEMP TABLE IF NOT EXISTS stage (setting_id int, token_id bigint,"
                        " checked_in_at timestamptz, batch_id bigint) ON COMMIT DELETE ROWS"
                    )
                    with cursor.cursor.copy("COPY stage FROM STDIN") as copy:
                        for row in rows:
                            copy.write_row(row)
                    cursor.execute(
                        f"INSERT INTO {table} (setting_id, token_id, checked_in_at, batch_id)"  # noqa: S608
                        " SELECT * FROM stage ON CONFLICT DO NOTHING"
                    )
                else:
                    cursor.executemany(
                        f"INSERT INTO {table} (setting_id, token_id, checked_in_at, batch_id)"  # noqa: S608
                        " VALUES (%s, %s, %s, %s) ON CONFLICT DO NOTHING",
                        [(v, t, str(at.replace(tzinfo=None)), b) for v, t, at, b in rows],
                    )
            done += n

    def add_cases(count: int, first_day: int, days: int, planted: int) -> None:
        """Cases with their people, tokens (30%) and two interview attendances each."""
        with transaction.atomic():
            base = Person.objects.count()
            people = insert_rows(
                Person,
                ["first_name", "last_name", "jurisdiction", "phone"],
                [("Case", f"Person{base + i}", areas[i % 10].pk, "07700900000")
                 for i in range(count)],
            )  # fmt: skip
            offsets = rng.integers(first_day * 86400, (first_day + days) * 86400, count)
            when = [start + dt.timedelta(seconds=int(s)) for s in offsets]
            case_ids = insert_rows(
                Case,
                ["person", "jurisdiction", "status", "first_specimen_at", "latest_specimen_at",
                 "created_at"],
                [(p, areas[i % 10].pk, "open", when[i], when[i], when[i] + dt.timedelta(hours=20))
                 for i, p in enumerate(people)],
            )  # fmt: skip
            # 30% of cases use the app: link a token to them.
            linked = [i for i in range(count) if i % 10 < 3]
            tokens = insert_rows(
                DeviceToken,
                ["token", "person", "linked_at", "first_seen_at"],
                [(f"case-{base + i}", people[i], when[i], when[i]) for i in linked],
            )
            # Their check-ins: about 2 in the week before the test, random venues, plus planted
            # outbreaks: five cases in one evening at one venue.
            batch = CheckInBatch.objects.create(source_name="cases", source_sha256="x" * 64)
            rows = []
            for j, i in enumerate(linked):
                for k in range(2):
                    day = when[i] - dt.timedelta(days=int(rng.integers(3, 8)), hours=k)
                    venue = int(rng.integers(1, n_venues + 1))
                    if j < planted * 5:
                        venue = 1 + (j // 5) * 97 % n_venues
                        day = when[linked[(j // 5) * 5]] - dt.timedelta(days=5, minutes=j % 5)
                    rows.append((venue, tokens[j], day, batch.pk))
            with connection.cursor() as cursor:
                cursor.executemany(
                    f"INSERT INTO {CheckIn._meta.db_table}"  # noqa: S608
                    " (setting_id, token_id, checked_in_at, batch_id) VALUES (%s, %s, %s, %s)"
                    " ON CONFLICT DO NOTHING",
                    [(v, t, at if connection.vendor == "postgresql" else
                      str(at.astimezone(dt.UTC).replace(tzinfo=None)), b)
                     for v, t, at, b in rows],
                )  # fmt: skip
            insert_rows(
                Attendance,
                ["setting", "person", "case", "jurisdiction", "attended_on", "source"],
                [(int(rng.integers(1, n_venues + 1)), p, c, areas[i % 10].pk,
                  (when[i] - dt.timedelta(days=3 + k)).date(), "interview")
                 for i, (p, c) in enumerate(zip(people, case_ids, strict=True)) for k in (1, 3)],
            )  # fmt: skip

    def refresh_setting_days() -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {SettingDay._meta.db_table}")  # noqa: S608
            day = (
                "(checked_in_at AT TIME ZONE 'UTC')::date"
                if connection.vendor == "postgresql"
                else "date(checked_in_at)"
            )
            cursor.execute(
                f"INSERT INTO {SettingDay._meta.db_table} (setting_id, day, checkins)"  # noqa: S608
                f" SELECT setting_id, {day}, COUNT(*) FROM {CheckIn._meta.db_table} GROUP BY 1, 2"
            )

    with transaction.atomic():
        insert_rows(
            Setting,
            ["name", "setting_type", "jurisdiction", "external_ref"],
            [(f"Venue {i}", kinds[i % 5], areas[i % 10].pk, f"V{i}")
             for i in range(1, n_venues + 1)],
        )  # fmt: skip
        insert_rows(
            DeviceToken,
            ["token", "first_seen_at"],
            [(f"app-{i}", start) for i in range(1, n_tokens + 1)],
        )
    batch = CheckInBatch.objects.create(source_name="bulk", source_sha256="y" * 64)
    add_checkins(batch, size, 0, DAYS)
    add_cases(cases, 0, DAYS, planted=max(n_venues // 100, 1))
    refresh_setting_days()
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    else:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    build_seconds = time.perf_counter() - built
    checkins = CheckIn.objects.count()
    now = start + dt.timedelta(days=DAYS + 1)

    t0 = time.perf_counter()
    first = detect(now)
    first_seconds = time.perf_counter() - t0
    clusters_first = Cluster.objects.count()

    add_checkins(batch, size // DAYS, DAYS, 1)
    add_cases(cases // DAYS, DAYS, 1, planted=2)
    t0 = time.perf_counter()
    incremental = detect(now + dt.timedelta(days=1))
    incremental_seconds = time.perf_counter() - t0
    t0 = time.perf_counter()
    nothing = detect(now + dt.timedelta(days=1))
    nothing_seconds = time.perf_counter() - t0
    print(json.dumps({
        "vendor": connection.vendor, "checkins": checkins, "cases": cases,
        "venues": n_venues, "build_seconds": build_seconds,
        "first_seconds": first_seconds, "first": first, "clusters": clusters_first,
        "incremental_seconds": incremental_seconds, "incremental": incremental,
        "nothing_seconds": nothing_seconds, "nothing": nothing,
    }))  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=1_000_000, help="check-ins")
    parser.add_argument("--cases", type=int, default=0, help="cases (default size / 100)")
    parser.add_argument("--only", choices=["sqlite", "postgresql"], help="run on one database only")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    cases = args.cases or max(args.size // 100, 100)
    if args.child:
        child(args.size, cases)
        return
    databases: list[tuple[str, str | None]] = [("sqlite", None)]
    if os.environ.get("DATABASE_URL", "").startswith("postgres"):
        databases.append(("postgresql", os.environ["DATABASE_URL"]))
    if args.only:
        databases = [(name, url) for name, url in databases if name == args.only]
    print(f"{'database':>10} {'check-ins':>11} {'cases':>8} {'build s':>8} {'first s':>8}"
          f" {'clusters':>8} {'incr. s':>8} {'nothing s':>9}")  # fmt: skip
    for name, url in databases:
        with tempfile.TemporaryDirectory() as temp:
            env = {**os.environ, "TRACEDESK_DATA_DIR": temp}
            env.pop("DATABASE_URL", None)
            if url:
                env["DATABASE_URL"] = url
            result = subprocess.run(  # noqa: S603  (this script, with our own arguments)
                [sys.executable, __file__, "--child", "--size", str(args.size),
                 "--cases", str(cases)],
                env=env, cwd=ROOT, capture_output=True, text=True, check=True,
            )  # fmt: skip
            r = json.loads(result.stdout.strip().splitlines()[-1])
            print(
                f"{name:>10} {r['checkins']:>11,} {r['cases']:>8,} {r['build_seconds']:>8.0f}"
                f" {r['first_seconds']:>8.1f} {r['clusters']:>8,}"
                f" {r['incremental_seconds']:>8.2f} {r['nothing_seconds']:>9.2f}"
            )
            print(f"           first run: {json.dumps(r['first'])}")
            print(f"           incremental: {json.dumps(r['incremental'])}")


if __name__ == "__main__":
    main()
