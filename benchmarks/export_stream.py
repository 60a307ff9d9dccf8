"""Benchmark the streaming export writers: peak memory stays flat as the rows grow.

    .venv/bin/python benchmarks/export_stream.py --size 1000000
    .venv/bin/python benchmarks/export_stream.py --size 10000000 --formats csv parquet

For each format and each size (the sizes are --size/100, --size/10 and --size), a
child process writes that many rows shaped like the cases export (13 columns: ids,
codes, timestamps, dates, names) through the same writer the export views use
(``tracedesk.exports.writers``) into /dev/null, as a client downloading it would
take the bytes. It prints the wall time, rows per second and the child's peak RSS;
flat memory means the peak does not grow with the rows. Rows come from a generator,
as they do from the database (``QuerySet.iterator(chunk_size=2000)``, a server-side
cursor on PostgreSQL), so this measures the writers, not the database.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import pathlib
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from typing import Any

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

FIRST = ["Olivia", "Amelia", "Isla", "Ava", "Noah", "Oliver", "George", "Arthur", "Muhammad"]
LAST = ["Smith", "Jones", "Williams", "Taylor", "Brown", "Davies", "Evans", "Wilson", "Khan"]


def cases(n: int) -> Iterator[tuple[Any, ...]]:
    start = dt.datetime(2020, 9, 1, tzinfo=dt.UTC)
    for i in range(n):
        at = start + dt.timedelta(seconds=i * 7)
        yield (
            i + 1, "E08000035", "open", i % 11 == 0, at - dt.timedelta(days=1),
            at - dt.timedelta(hours=20), (at - dt.timedelta(days=3)).date(), at, 10_000_000 + i,
            f"{9_000_000_000 + i}", FIRST[i % 9], LAST[i % 7],
            dt.date(1950 + i % 60, 1 + i % 12, 1),
        )  # fmt: skip


def child(fmt: str, rows: int) -> None:
    from tracedesk.exports.writers import Column, csv_chunks, parquet_chunks, xlsx_file

    columns = [
        Column("id", "int"), Column("jurisdiction_code"), Column("status"),
        Column("is_complex", "bool"), Column("first_specimen_at", "datetime"),
        Column("latest_specimen_at", "datetime"), Column("onset_date", "date"),
        Column("created_at", "datetime"), Column("person", "int"), Column("person_nhs_number"),
        Column("person_first_name"), Column("person_last_name"),
        Column("person_date_of_birth", "date"),
    ]  # fmt: skip
    began = time.perf_counter()
    written = 0
    with open(os.devnull, "wb") as sink:
        if fmt == "xlsx":
            result = xlsx_file(columns, cases(rows), title="Cases")
            while block := result.file.read(1 << 20):
                written += sink.write(block)
            sheets = len(result.sheets)
        else:
            chunks = (
                csv_chunks(columns, cases(rows))
                if fmt == "csv"
                else parquet_chunks(columns, cases(rows))
            )
            for chunk in chunks:
                written += sink.write(chunk)
            sheets = 0
    seconds = time.perf_counter() - began
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{seconds:.3f} {peak_mb:.1f} {written} {sheets}")


def fill_database(rows: int) -> None:
    """Create a fresh SQLite database with ``rows`` cases in Leeds (people and cases only)."""
    import django
    from django.core.management import call_command
    from django.db import transaction

    django.setup()
    call_command("migrate", verbosity=0, skip_checks=True)
    from tracedesk.accounts.models import User
    from tracedesk.bulk import insert_rows
    from tracedesk.cases.models import Case
    from tracedesk.geography.models import Jurisdiction, Level
    from tracedesk.people.models import Person

    england = Jurisdiction.objects.create(code="E92000001", name="England", level=Level.NATION)
    region = Jurisdiction.objects.create(
        code="E12000003", name="Yorkshire", level=Level.REGION, parent=england
    )
    leeds = Jurisdiction.objects.create(
        code="E08000035", name="Leeds", level=Level.LOCAL_AUTHORITY, parent=region
    )
    user = User.objects.create_user(username="bench", password="x" * 20, role="supervisor")
    user.jurisdictions.set([leeds])
    block = 50_000
    for first in range(0, rows, block):
        part = list(cases(min(block, rows - first)))
        with transaction.atomic():
            people = insert_rows(
                Person,
                ["first_name", "last_name", "date_of_birth", "nhs_number", "jurisdiction"],
                [(r[10], r[11], r[12], r[9], leeds.pk) for r in part],
            )
            insert_rows(
                Case,
                ["person", "jurisdiction", "status", "is_complex", "first_specimen_at",
                 "latest_specimen_at", "onset_date", "created_at"],
                [(pk, leeds.pk, *r[2:8]) for pk, r in zip(people, part, strict=True)],
            )  # fmt: skip


def child_django(fmt: str) -> None:
    """Export every case through the view's own path: access function, shaping, writer."""
    import django

    django.setup()
    from tracedesk.accounts.models import User
    from tracedesk.exports.datasets import DATASETS, rows_for
    from tracedesk.exports.writers import csv_chunks, parquet_chunks, xlsx_file

    user = User.objects.get(username="bench")
    columns, rows = rows_for(user, DATASETS["cases"])
    began = time.perf_counter()
    written = 0
    with open(os.devnull, "wb") as sink:
        if fmt == "xlsx":
            result = xlsx_file(columns, rows, title="Cases")
            while block := result.file.read(1 << 20):
                written += sink.write(block)
        else:
            writer = csv_chunks if fmt == "csv" else parquet_chunks
            for chunk in writer(columns, rows):
                written += sink.write(chunk)
    seconds = time.perf_counter() - began
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{seconds:.3f} {peak_mb:.1f} {written} 0")


def run(fmt: str, rows: int, env: dict[str, str] | None = None) -> tuple[float, float, int, int]:
    args = ["--child-django", fmt] if env else ["--child", fmt, str(rows)]
    out = subprocess.run(  # noqa: S603  (our own script, fixed arguments)
        [sys.executable, __file__, *args], env=env,
        check=True, capture_output=True, text=True, cwd=ROOT,
    )  # fmt: skip
    seconds, peak, size, sheets = out.stdout.split()
    return float(seconds), float(peak), int(size), int(sheets)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=1_000_000, help="the largest row count")
    parser.add_argument("--formats", nargs="+", default=["csv", "parquet", "xlsx"])
    parser.add_argument("--repeat", type=int, default=1, help="runs per point (median reported)")
    parser.add_argument(
        "--through-django",
        action="store_true",
        help="also export from a SQLite database of that many cases through the export's "
        "own path (access function, row shaping, writer); the database is built first",
    )
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--child-django", nargs=1, help=argparse.SUPPRESS)
    parser.add_argument("--fill", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracedesk.settings")
    if args.child:
        child(args.child[0], int(args.child[1]))
        return
    if args.child_django:
        child_django(args.child_django[0])
        return
    if args.fill:
        fill_database(args.fill)
        return
    sizes = sorted({max(1, args.size // 100), max(1, args.size // 10), args.size})
    print(f"{'format':8} {'rows':>11} {'seconds':>9} {'rows/s':>10} {'peak RSS MB':>12} "
          f"{'MB out':>8} {'sheets':>6}")  # fmt: skip
    for fmt in args.formats:
        peaks = []
        for rows in sizes:
            runs = [run(fmt, rows) for _ in range(args.repeat)]
            seconds = statistics.median(r[0] for r in runs)
            peak = statistics.median(r[1] for r in runs)
            peaks.append(peak)
            size, sheets = runs[0][2], runs[0][3]
            rate = rows / max(seconds, 1e-3)
            print(f"{fmt:8} {rows:>11,} {seconds:>9.1f} {rate:>10,.0f} {peak:>12.1f} "
                  f"{size / 1e6:>8.1f} {sheets or '':>6}", flush=True)  # fmt: skip
        print(f"{fmt:8} peak memory at {sizes[-1]:,} rows ÷ at {sizes[0]:,} rows: "
              f"{peaks[-1] / peaks[0]:.2f}", flush=True)  # fmt: skip
    if args.through_django:
        through_django(sizes, args.formats)


def through_django(sizes: list[int], formats: list[str]) -> None:
    print("\nThrough Django (SQLite database of N cases, the export's own path):")
    print(f"{'format':8} {'rows':>11} {'seconds':>9} {'rows/s':>10} {'peak RSS MB':>12}")
    for rows in sizes:
        with tempfile.TemporaryDirectory(prefix="export-bench-") as data:
            env = {**os.environ, "TRACEDESK_DATA_DIR": data}
            env.pop("DATABASE_URL", None)
            subprocess.run(  # noqa: S603  (our own script, fixed arguments)
                [sys.executable, __file__, "--fill", str(rows)], env=env, check=True, cwd=ROOT
            )
            for fmt in formats:
                seconds, peak, _, _ = run(fmt, rows, env)
                print(f"{fmt:8} {rows:>11,} {seconds:>9.1f} {rows / max(seconds, 1e-3):>10,.0f} "
                      f"{peak:>12.1f}", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
