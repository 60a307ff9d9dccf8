"""Crash safety: SIGKILL `tracedesk ingest` at random moments, run it again, and the
database ends exactly as after one uninterrupted run (on SQLite and on PostgreSQL)."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from tracedesk.ingest.tests.feeds import people, row, write_csv

# What a run leaves behind, without ids or wall-clock times (which differ between runs).
CONTENT = {
    "results": """
        SELECT r.lab_code, r.specimen_id, r.test_code, r.result, r.result_at,
               p.first_name, p.last_name, p.nhs_number, r.case_id IS NOT NULL
        FROM ingest_testresult r JOIN people_person p ON p.id = r.person_id""",
    "people": "SELECT first_name, last_name, date_of_birth, nhs_number FROM people_person",
    "cases": """
        SELECT p.first_name, c.first_specimen_at, c.latest_specimen_at
        FROM cases_case c JOIN people_person p ON p.id = c.person_id""",
    "tasks": "SELECT kind, status, priority FROM tracing_tracingtask",
    "batches": """
        SELECT status, read_count, accepted_count, correction_count, duplicate_count,
               rejected_count, positive_count, resume_after FROM ingest_ingestbatch""",
    "rejections": "SELECT number, field, reason FROM ingest_rejectedrecord",
    # How many records each kind of event covers (one, or a chunk's list).
    "audit": """
        SELECT action, object_type,
               SUM(CASE WHEN object_id != '' THEN 1 ELSE {length}(object_ids) END)
        FROM audit_auditevent GROUP BY action, object_type""",
}
LENGTH = {"sqlite": "json_array_length", "postgresql": "jsonb_array_length"}


GEOGRAPHY = """code,name,level,parent_code,postcode_districts
E92000001,England,nation,,
E12000003,Yorkshire and The Humber,region,E92000001,
E08000035,Leeds,local_authority,E12000003,LS6 LS7
"""


@pytest.fixture
def databases(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """Two empty databases of the engine under test: one for the killed run, one for the
    reference run."""
    if connection.vendor == "sqlite":
        yield (f"sqlite:///{tmp_path}/killed.sqlite3", f"sqlite:///{tmp_path}/reference.sqlite3")
        return
    names = [f"kill_{uuid.uuid4().hex[:8]}" for _ in range(2)]
    with connection.cursor() as cursor:
        for name in names:
            cursor.execute(f'CREATE DATABASE "{name}"')
    params = connection.settings_dict
    base = f"postgres://{params['USER']}@{params['HOST']}:{params['PORT']}"
    yield (f"{base}/{names[0]}", f"{base}/{names[1]}")
    with connection.cursor() as cursor:
        for name in names:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def tracedesk(url: str, tmp_path: Path, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "DATABASE_URL": url, "TRACEDESK_DATA_DIR": str(tmp_path / "data")}
    return subprocess.Popen(  # noqa: S603  (our own command)
        [sys.executable, "-m", "tracedesk.cli", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def finish(url: str, tmp_path: Path, *args: str) -> str:
    process = tracedesk(url, tmp_path, *args)
    output, _ = process.communicate(timeout=300)
    assert process.returncode == 0, output
    return output


def content(url: str) -> dict[str, list[tuple[Any, ...]]]:
    if url.startswith("sqlite"):
        lite = sqlite3.connect(url.removeprefix("sqlite:///"))
        try:
            return {
                k: sorted(map(tuple, lite.execute(q.format(length=LENGTH["sqlite"])).fetchall()))
                for k, q in CONTENT.items()
            }
        finally:
            lite.close()
    import psycopg

    with psycopg.connect(url.replace("postgres://", "postgresql://")) as db:
        return {
            k: sorted(
                tuple(map(str, r))
                for r in db.execute(q.format(length=LENGTH["postgresql"])).fetchall()
            )
            for k, q in CONTENT.items()
        }


def _left_running(feed: Path) -> list[int]:
    """Processes still reading ``feed`` (the ingest's reader process, if it outlived it)."""
    deadline = time.monotonic() + 5
    while True:
        running = []
        for entry in Path("/proc").iterdir():
            try:
                if entry.name.isdigit() and str(feed) in (entry / "cmdline").read_text():
                    running.append(int(entry.name))
            except OSError:
                continue  # it has just ended
        if not running or time.monotonic() > deadline:
            return running
        time.sleep(0.1)


@pytest.mark.django_db(transaction=True)
def test_killed_ingests_end_like_an_uninterrupted_one(
    databases: tuple[str, str], tmp_path: Path
) -> None:
    killed, reference = databases
    # About six seconds of work in chunks of 40: kills land at many different points.
    rows = people(30_000, positive_every=7)
    rows[100] = row("BAD1", result="MAYBE")
    # A correction of an earlier row of the same file, issued later.
    rows[2900] = row("S00002", result="VOID", result_at="2020-10-03T06:00:00+00:00")
    feed = write_csv(tmp_path / "feed.csv", rows)
    geography = tmp_path / "geography.csv"
    geography.write_text(GEOGRAPHY, encoding="utf-8")
    for url in (killed, reference):
        finish(url, tmp_path, "migrate", "--verbosity", "0")
        finish(url, tmp_path, "load_geography", str(geography))
    rng = random.Random(20201002)
    kills, finished = 0, False
    for _ in range(4):
        process = tracedesk(killed, tmp_path, "ingest", str(feed), "--chunk-size", "40")
        time.sleep(rng.uniform(1.0, 3.0))
        if process.poll() is not None:
            finished = process.returncode == 0
            break
        process.send_signal(signal.SIGKILL)
        process.wait()
        assert not _left_running(feed), "a process reading the feed outlived the killed ingest"
        if process.returncode == 0:  # it finished just before the signal arrived
            finished = True
            break
        kills += 1
    if not finished:
        finish(killed, tmp_path, "ingest", str(feed), "--chunk-size", "40")
    finish(reference, tmp_path, "ingest", str(feed), "--chunk-size", "40")
    assert kills >= 1, "the ingest finished before any kill: make the feed longer"
    after_kills, uninterrupted = content(killed), content(reference)
    assert after_kills["batches"] == uninterrupted["batches"]
    for table in CONTENT:
        assert after_kills[table] == uninterrupted[table], table
