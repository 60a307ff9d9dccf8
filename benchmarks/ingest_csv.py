"""Benchmark ingesting a laboratory CSV end to end, against the floor of a bare bulk insert.

    .venv/bin/python benchmarks/ingest_csv.py --rows 1000000
    scripts/with-postgres.sh .venv/bin/python benchmarks/ingest_csv.py --rows 1000000

Writes N results (one in 14 positive, about 7%; Faker en_GB names, which repeat: a million
rows have 71,429 positive results for 8,456 different people) as a canonical CSV, then for
SQLite (a fresh file) and, when DATABASE_URL points at PostgreSQL, for that server (emptied
first): runs `tracedesk ingest` in a child process (wall time; peak resident memory of it and
its reader process together, sampled every 50 ms), and measures the floor: inserting the same
N rows into the same table (ingest_testresult) in transactions of 10,000 by the fastest bulk
path the ingest itself uses (`tracedesk.bulk`: COPY on PostgreSQL, executemany on SQLite): no
parsing, no validation, no people, no audit.

"cpu s" is the CPU of the ingest and of its reader process (``tracedesk.ingest.readahead``:
a file this size is read and checked there while the ingest stores), not the server's.
"""

from __future__ import annotations

import argparse
import csv
import os
import pathlib
import resource
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
GEOGRAPHY = """code,name,level,parent_code,postcode_districts
E92000001,England,nation,,
E12000003,Yorkshire and The Humber,region,E92000001,
E08000035,Leeds,local_authority,E12000003,LS6 LS7
"""
FIELDS = [
    *("lab_code", "specimen_id", "test_code", "test_name", "result", "specimen_collected_at"),
    *("result_at", "nhs_number", "first_name", "last_name", "date_of_birth", "sex", "phone"),
    *("email", "address_line1", "address_line2", "town", "postcode"),
]


def _postcode(household: int) -> str:
    """About 25 households to a unit postcode, as in the real postcode file."""
    unit = household // 25
    letters = "ABDEFGHJLNPQRSTUWXYZ"
    return f"LS{6 + unit % 2} {unit // 2 % 10}{letters[unit // 20 % 20]}{letters[unit // 400 % 20]}"


def _names() -> tuple[list[str], list[str]]:
    """Realistic British first names and surnames (Faker en_GB, seeded): blocking keys and
    name comparisons then behave as they do on real feeds."""
    from faker import Faker

    fake = Faker("en_GB")
    fake.seed_instance(1)
    return [fake.first_name() for _ in range(2000)], [fake.last_name() for _ in range(3000)]


def write_feed(path: pathlib.Path, rows: int) -> None:
    firsts, lasts = _names()
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(FIELDS)
        for n in range(rows):
            writer.writerow(
                [
                    "LAB-LEEDS-01", f"LD{n:08d}", "94500-6", "SARS-CoV-2 RNA",
                    "POSITIVE" if n % 14 == 0 else "NEGATIVE",
                    "2020-10-01T08:00:00+00:00", "2020-10-02T06:00:00+00:00", "",
                    firsts[n * 7919 % len(firsts)], lasts[n // 3 * 104729 % len(lasts)],
                    f"19{50 + n * 31 % 50}-0{1 + n * 7 % 9}-1{n % 10}",
                    "F" if n % 2 else "M", "", "", f"{n // 3} Test Street", "", "Leeds",
                    _postcode(n // 3),
                ]
            )  # fmt: skip


def _cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def run(
    args: list[str], env: dict[str, str], *, code: str | None = None
) -> tuple[float, float, float]:
    """Run a tracedesk command in a child process; return its wall and CPU seconds, and the
    peak of the resident memory of it and its own children together (MiB, sampled)."""
    started, cpu = time.perf_counter(), _cpu()
    command = ["-c", code, *args] if code else ["-m", "tracedesk.cli", *args]
    process = subprocess.Popen(  # noqa: S603  (our own command)
        [sys.executable, *command], env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    peak = 0
    while process.poll() is None:
        peak = max(peak, _tree_rss(process.pid))
        time.sleep(0.05)
    if process.returncode:
        raise subprocess.CalledProcessError(process.returncode, command)
    return time.perf_counter() - started, _cpu() - cpu, peak / 2**20


def _tree_rss(pid: int) -> int:
    """Resident bytes of a process and its children (pages they share count twice: the
    figure is an upper bound)."""
    total = 0
    for each in [pid, *_children(pid)]:
        try:
            status = pathlib.Path(f"/proc/{each}/status").read_text()
        except OSError:
            continue  # it has just ended
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1]) * 1024
    return total


def _children(pid: int) -> list[int]:
    try:
        return [
            int(c) for c in pathlib.Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        ]
    except OSError:
        return []


#: ``--in-process`` (and ``--before``): no reader process (``tracedesk.ingest.readahead``).
IN_PROCESS = {"TRACEDESK_INGEST_READER_PROCESS_BYTES": "-1"}

#: ``--before``: the same ingest through the record path the fast path replaced (every row
#: converted and checked one by one, no garbage-collector freezing), for a comparison
#: within one run on this noisy machine.
RECORD_PATH = """
import contextlib, sys
import django
django.setup()
from tracedesk.ingest import pipeline
from tracedesk.lib.labfeeds import CsvFeed
pipeline.FastCsvFeed = CsvFeed
pipeline._collected_by_chunk = contextlib.nullcontext
pipeline._chunk_done = lambda: None
from django.core.management import call_command
call_command(*sys.argv[1:])
"""


FLOOR = """
import os, time, django
django.setup()
from django.db import transaction
from django.utils import timezone
from tracedesk.bulk import insert_rows
from tracedesk.geography.models import Jurisdiction
from tracedesk.ingest.actions import RESULT_COLUMNS
from tracedesk.ingest.models import TestResult
from tracedesk.people.models import Person
rows = int(os.environ["BENCH_ROWS"])
place = Jurisdiction.objects.get(code="E08000035")
person = Person.objects.create(first_name="Floor", jurisdiction=place)
now = timezone.now()
started, cpu = time.perf_counter(), time.process_time()
for start in range(0, rows, 10000):
    with transaction.atomic():
        insert_rows(TestResult, RESULT_COLUMNS, [
            ("FLOOR", f"F{n:08d}", "94500-6", "SARS-CoV-2 RNA", "negative", now, now, now,
             person.pk, None, place.pk, None)
            for n in range(start, min(rows, start + 10000))])
print(time.perf_counter() - started, time.process_time() - cpu)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--chunk-size", type=int, default=5000)
    parser.add_argument(
        "--before", action="store_true",
        help="also ingest through the record path the CSV fast path replaced, for comparison",
    )  # fmt: skip
    parser.add_argument(
        "--in-process", action="store_true",
        help="also ingest with reading and checking in the ingest's own process (no reader "
        "process), for comparison",
    )  # fmt: skip
    args = parser.parse_args()
    databases: list[tuple[str, str | None]] = [("sqlite", None)]
    if os.environ.get("DATABASE_URL", "").startswith("postgres"):
        databases.append(("postgresql", os.environ["DATABASE_URL"]))
    with tempfile.TemporaryDirectory() as temp:
        feed = pathlib.Path(temp) / "feed.csv"
        write_feed(feed, args.rows)
        geography = pathlib.Path(temp) / "geography.csv"
        geography.write_text(GEOGRAPHY)
        size = feed.stat().st_size / 2**20
        print(f"{args.rows:,} rows, {size:.0f} MiB, chunk {args.chunk_size}")
        print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        print(
            f"{'database':>10} {'path':>6} {'ingest s':>9} {'results/s':>10} {'peak MiB':>9}"
            f" {'floor s':>8} {'ratio':>6} {'cpu s':>6} {'floor cpu':>9} {'cpu ratio':>9}"
        )
        for name, url in databases:
            env = {**os.environ, "TRACEDESK_DATA_DIR": str(pathlib.Path(temp) / name)}
            env.pop("DATABASE_URL", None)
            if url:
                env["DATABASE_URL"] = url
            floor_env = {
                **env,
                "BENCH_ROWS": str(args.rows),
                "DJANGO_SETTINGS_MODULE": "tracedesk.settings",
            }
            paths = [
                ("fast", None, {}),
                *([("in-proc", None, IN_PROCESS)] if args.in_process else []),
                *([("record", RECORD_PATH, IN_PROCESS)] if args.before else []),
            ]
            for path, code, settings in paths:
                run(["migrate", "--verbosity", "0"], env)
                run(["flush", "--no-input"], env)
                run(["load_geography", str(geography)], env)
                ingest = ["ingest", str(feed), "--chunk-size", str(args.chunk_size)]
                seconds, cpu, peak = run(ingest, {**floor_env, **settings}, code=code)
                done = subprocess.run(  # noqa: S603
                    [sys.executable, "-c", FLOOR], env=floor_env, cwd=ROOT, check=True,
                    capture_output=True, text=True,
                )  # fmt: skip
                floor, floor_cpu = map(float, done.stdout.strip().splitlines()[-1].split())
                print(
                    f"{name:>10} {path:>6} {seconds:>9.1f} {args.rows / seconds:>10,.0f}"
                    f" {peak:>9.0f} {floor:>8.1f} {seconds / floor:>6.1f} {cpu:>6.1f}"
                    f" {floor_cpu:>9.1f} {cpu / floor_cpu:>9.1f}",
                    f"(load {os.getloadavg()[0]:.1f})",
                    flush=True,
                )


if __name__ == "__main__":
    main()
