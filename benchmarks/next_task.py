"""Benchmark "next": latency of claiming a task with many open tasks and many tracers.

    scripts/with-postgres.sh .venv/bin/python benchmarks/next_task.py --size 1000000
    .venv/bin/python benchmarks/next_task.py --size 100000 --tracers 100 --think-ms 0

It fills an empty database (PostgreSQL when DATABASE_URL points at one, else a fresh
SQLite file under --data-dir) with ``--size`` open tasks spread over 20 local
authorities (priorities 1-5, deadlines over the next two days, 10% deferred to a
callback, 5% in another language, 3% needing the "complex" skill) and ``--tracers``
tracers (each covering 3 areas; a fifth also speak Polish, a tenth hold the complex
skill). Then every tracer, in its own thread and database connection, spread over
``--processes`` processes so that Python's GIL is not what is measured, presses
"next" ``--presses`` times. One press is what the web page and the API do: load the
signed-in user afresh (each request has its own user object, so the tracer's scope
and languages are looked up again) and call ``tracing.actions.next_task`` (claim,
audit event, tracer state). After each press the tracer records the call as reached
(not timed; it puts them in wrap-up, so the next press moves them to "on a call"
as in real work) and pauses.

The pause model: a real tracer presses "next" once per call, and a call with its
wrap-up lasts minutes. The benchmark compresses that: each pause is drawn uniformly
from 0 to twice ``--think-ms`` (mean ``--think-ms``; the first pause is random too, so
the tracers' presses are spread out, not in lock-step). With 100 tracers and a
5-second mean that is about 20 presses a second, 60 times more than 100 tracers on
5-minute calls make. ``--think-ms 0`` is the worst case: every tracer presses again
the moment a press returns. The default runs both, on the same data.

It prints the EXPLAIN of the queue query, the statements of one press, and the
latency percentiles of "next" across all presses, in total and the part spent
waiting for the database; the rest is Python and the CPU queue.
"""

from __future__ import annotations

import argparse
import datetime as dt
import multiprocessing as mp
import os
import pathlib
import random
import statistics
import sys
import tempfile
import threading
import time
from typing import Any

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

AREAS = 20
AREAS_PER_TRACER = 3


def setup_django(data_dir: str) -> None:
    os.environ.setdefault("TRACEDESK_DATA_DIR", data_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracedesk.settings")
    import django

    django.setup()


def fill(size: int, tracers: int, seed: int) -> None:
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from tracedesk.accounts.models import TracerProfile, User
    from tracedesk.accounts.roles import Role
    from tracedesk.bulk import insert_rows
    from tracedesk.geography.models import Jurisdiction, Level
    from tracedesk.places.models import Setting
    from tracedesk.tracing.models import TaskKind, TaskStatus, TracingTask

    call_command("migrate", verbosity=0)
    if TracingTask.objects.exists():
        raise SystemExit("next_task: the database is not empty; use a fresh one")
    rng = random.Random(seed)
    england = Jurisdiction.objects.create(code="E92000001", name="England", level=Level.NATION)
    areas = [
        Jurisdiction.objects.create(
            code=f"E0800{i:04d}", name=f"Area {i}", level=Level.LOCAL_AUTHORITY, parent=england
        )
        for i in range(AREAS)
    ]
    places = [
        Setting.objects.create(name=f"Venue {i}", setting_type="workplace", jurisdiction=area)
        for i, area in enumerate(areas)
    ]
    for i in range(tracers):
        user = User.objects.create_user(username=f"bench{i}", password=None, role=Role.TRACER)
        user.jurisdictions.set(rng.sample(areas, AREAS_PER_TRACER))
        TracerProfile.objects.create(
            user=user,
            languages=["en", "pl"] if i % 5 == 0 else ["en"],
            skills=["complex"] if i % 10 == 0 else [],
        )
    now = timezone.now()
    began = time.perf_counter()
    chunk = 100_000
    for start in range(0, size, chunk):
        rows = []
        for _ in range(min(chunk, size - start)):
            area = rng.randrange(AREAS)
            rows.append(
                (
                    TaskKind.NOTIFY_SETTING, places[area].pk, areas[area].pk,
                    rng.choice((1, 2, 2, 3, 3, 3, 4, 5)),
                    now + dt.timedelta(minutes=rng.randrange(-120, 48 * 60)),
                    TaskStatus.OPEN, "pl" if rng.random() < 0.05 else "en",
                    ["complex"] if rng.random() < 0.03 else [], now,
                    now + dt.timedelta(hours=rng.randrange(1, 24)) if rng.random() < 0.1 else None,
                )
            )  # fmt: skip
        with transaction.atomic():
            insert_rows(
                TracingTask,
                ["kind", "setting", "jurisdiction", "priority", "due_by", "status", "language",
                 "required_skills", "created_at", "available_from"],
                rows,
            )  # fmt: skip
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    print(
        f"filled {size:,} open tasks in {time.perf_counter() - began:.1f} s ({connection.vendor})"
    )


def explain() -> None:
    from django.db import connection, transaction
    from django.utils import timezone

    from tracedesk.accounts.models import User
    from tracedesk.tracing.queue import eligible_tasks

    user = User.objects.get(username="bench0")
    query = eligible_tasks(user, now=timezone.now()).order_by("priority", "due_by", "pk")
    if connection.features.has_select_for_update_skip_locked:
        query = query.select_for_update(skip_locked=True)
    with transaction.atomic(), connection.cursor() as cursor:
        sql, params = query.values_list("pk")[:1].query.sql_with_params()
        prefix = (
            "EXPLAIN (ANALYZE, BUFFERS) "
            if connection.vendor == "postgresql"
            else ("EXPLAIN QUERY PLAN ")
        )
        cursor.execute(prefix + sql, params)
        plan = [" ".join(str(c) for c in row) for row in cursor.fetchall()]
        transaction.set_rollback(True)
    print("queue query plan:\n  " + "\n  ".join(plan))


def one_press() -> None:
    """Print the statements of one press by a tracer coming out of wrap-up, then undo it."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tracedesk.accounts.models import User
    from tracedesk.tracing.actions import next_task, release_task, set_tracer_state
    from tracedesk.tracing.models import TracerState

    pk = User.objects.get(username="bench0").pk
    set_tracer_state(User.objects.get(pk=pk), TracerState.WRAP_UP, source="benchmark")
    with CaptureQueriesContext(connection) as captured:
        user = User.objects.get(pk=pk)
        task = next_task(user, source="benchmark")
    statements = [" ".join(q["sql"].split())[:90] for q in captured.captured_queries]
    print(f"one press, {len(statements)} statements:\n  " + "\n  ".join(statements))
    if task is not None:
        release_task(task, actor=user, source="benchmark")


def worker(args: tuple[list[str], int, int, float, str, Any]) -> list[tuple[float, float]]:
    usernames, presses, _seed, think, data_dir, barrier = args
    setup_django(data_dir)
    from django.db import connection
    from django.utils import timezone

    from tracedesk.accounts.models import User
    from tracedesk.tracing.actions import next_task, record_call_attempt
    from tracedesk.tracing.models import Outcome

    latencies: list[tuple[float, float]] = []
    lock = threading.Lock()
    local_barrier = threading.Barrier(len(usernames))

    def run(username: str) -> None:
        pk = User.objects.get(username=username).pk
        mine: list[tuple[float, float]] = []
        in_db = [0.0]

        def timed(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
            began = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                in_db[0] += time.perf_counter() - began

        local_barrier.wait()
        if think:
            time.sleep(think * random.random())
        for _ in range(presses):
            in_db[0] = 0.0
            began = time.perf_counter()
            with connection.execute_wrapper(timed):
                user = User.objects.get(pk=pk)  # as each web request loads the user
                task = next_task(user, source="benchmark")
            mine.append((time.perf_counter() - began, in_db[0]))
            if task is not None:
                ended = timezone.now()
                record_call_attempt(task, tracer=user, outcome=Outcome.REACHED,
                                    started_at=task.claimed_at or ended, ended_at=ended,
                                    source="benchmark")  # fmt: skip
            if think:
                time.sleep(think * random.random() * 2)
        connection.close()
        with lock:
            latencies.extend(mine)

    barrier.wait()
    threads = [threading.Thread(target=run, args=(name,)) for name in usernames]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=100_000, help="open tasks (default 100,000)")
    parser.add_argument("--tracers", type=int, default=100)
    parser.add_argument(
        "--active",
        type=int,
        nargs="+",
        default=[],
        help="tracers pressing in each run (default: all); several values: one run each",
    )
    parser.add_argument("--presses", type=int, default=30, help='"next" presses per tracer')
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument(
        "--think-ms",
        type=float,
        nargs="+",
        default=[5000, 0],
        help="mean pause between presses (default: 5000, then 0); one run each on the same data",
    )
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--data-dir", default="")
    args = parser.parse_args()
    data_dir = args.data_dir or tempfile.mkdtemp(prefix="next-task-")
    setup_django(data_dir)
    fill(args.size, args.tracers, args.seed)
    explain()
    one_press()
    from django.db import connection

    vendor = connection.vendor
    connection.close()
    ctx = mp.get_context("spawn")
    runs = [(a, t) for a in (args.active or [args.tracers]) for t in args.think_ms]
    for active, think_ms in runs:
        names = [f"bench{i}" for i in range(active)]
        processes = min(args.processes, active)
        groups = [names[i::processes] for i in range(processes)]
        barrier = ctx.Manager().Barrier(processes)
        began = time.perf_counter()
        with ctx.Pool(processes) as pool:
            results = pool.map(
                worker,
                [(g, args.presses, args.seed + i, think_ms / 1000, data_dir, barrier)
                 for i, g in enumerate(groups)],
            )  # fmt: skip
        wall = time.perf_counter() - began
        samples = sorted(total * 1000 for r in results for total, _ in r)
        in_db = sorted(db * 1000 for r in results for _, db in r)
        cuts = statistics.quantiles(samples, n=100, method="inclusive")
        db_cuts = statistics.quantiles(in_db, n=100, method="inclusive")
        print(
            f"{vendor}: {args.size:,} open tasks, {active} tracers in {processes} "
            f"processes, think {think_ms:g} ms: {len(samples):,} presses in {wall:.1f} s "
            f"({len(samples) / wall:,.0f}/s); next latency ms: median "
            f"{statistics.median(samples):.1f}, p95 {cuts[94]:.1f}, p99 {cuts[98]:.1f}, "
            f"max {samples[-1]:.1f}; of which waiting for the database: median "
            f"{statistics.median(in_db):.1f}, p99 {db_cuts[98]:.1f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
