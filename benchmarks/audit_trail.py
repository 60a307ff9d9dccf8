"""Benchmark the audit trail: viewer queries and the read-volume job on a large table.

    .venv/bin/python benchmarks/audit_trail.py --size 1000000
    scripts/with-postgres.sh .venv/bin/python benchmarks/audit_trail.py --size 1000000

Fills an empty database (PostgreSQL when DATABASE_URL points at one, else a fresh SQLite
file under --data-dir) with ``--size`` audit events over 30 days by 300 staff: 90% about
one record (views, lists, changes of people, cases and contacts, among 200,000 people),
10% bulk events listing 50 records each (as a laboratory feed's chunk writes them). Then
times, as medians of ``--repeat`` runs, what the audit viewer does for one page
(``audit.queries.keyset_page``) under each filter, a page deep in the table, and the
read-volume job for one day (``audit.volume.assess_day``, dry run).
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

STAFF = 300
PEOPLE = 200_000
DAYS = 30


def setup_django(data_dir: str) -> None:
    os.environ.setdefault("TRACEDESK_DATA_DIR", data_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracedesk.settings")
    import django

    django.setup()


def fill(size: int, seed: int) -> None:
    from django.core.management import call_command
    from django.utils import timezone

    from tracedesk.accounts.models import User
    from tracedesk.accounts.roles import Role
    from tracedesk.audit.models import AuditEvent

    call_command("migrate", verbosity=0)
    rng = random.Random(seed)
    roles = [Role.TRACER] * 8 + [Role.SUPERVISOR, Role.HEALTH_PROTECTION]
    users = [
        User.objects.create(username=f"bench{i}", role=rng.choice(roles)) for i in range(STAFF)
    ]
    now = timezone.now()
    types = ["people.person", "cases.case", "cases.contact"]
    actions = ["view"] * 6 + ["list", "update", "create"]
    batch: list[AuditEvent] = []
    for i in range(size):
        user = rng.choice(users)
        at = now - dt.timedelta(seconds=(size - i) * DAYS * 86400 / size)
        if rng.random() < 0.1:
            event = AuditEvent(
                at=at, actor=None, source="ingest", action="create", object_type=rng.choice(types),
                object_ids=rng.sample(range(1, PEOPLE), 50), purpose="bench bulk",
            )  # fmt: skip
        else:
            event = AuditEvent(
                at=at, actor=user, actor_role=user.role, source="web",
                action=rng.choice(actions), object_type=rng.choice(types),
                object_id=str(rng.randrange(1, PEOPLE)), purpose="bench", client_ip="10.0.0.1",
            )  # fmt: skip
        batch.append(event)
        if len(batch) == 20_000:
            AuditEvent.objects.bulk_create(batch)
            batch = []
    AuditEvent.objects.bulk_create(batch)
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # as autovacuum would, given time
            cursor.execute("ANALYZE audit_auditevent")


def median_ms(work: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--data-dir", default="")
    args = parser.parse_args()
    data_dir = args.data_dir or tempfile.mkdtemp(prefix="tracedesk-audit-bench-")
    setup_django(data_dir)

    from django.db import connection
    from django.utils import timezone

    from tracedesk.accounts.models import User
    from tracedesk.audit.models import AuditEvent
    from tracedesk.audit.queries import about_person, keyset_page
    from tracedesk.audit.volume import assess_day, day_bounds

    started = time.perf_counter()
    fill(args.size, args.seed)
    elapsed = time.perf_counter() - started
    print(f"{connection.vendor}: {args.size:,} audit events written in {elapsed:.0f} s")
    user = User.objects.get(username="bench7")
    rng = random.Random(args.seed)
    middle = AuditEvent.objects.order_by("pk").values_list("pk", flat=True)[args.size // 2]
    today = timezone.now()
    cases: dict[str, Callable[[], object]] = {
        "first page, no filter": lambda: keyset_page(AuditEvent.objects.all(), None),
        "page half-way down the table": lambda: keyset_page(AuditEvent.objects.all(), middle),
        "one user": lambda: keyset_page(AuditEvent.objects.filter(actor=user), None),
        "action + last 2 days": lambda: keyset_page(
            AuditEvent.objects.filter(action="update", at__gte=today - dt.timedelta(days=2)), None
        ),
        "one person (single and bulk events)": lambda: keyset_page(
            AuditEvent.objects.filter(about_person(rng.randrange(1, PEOPLE))), None
        ),
        "read-volume job, one day (dry run)": lambda: assess_day(
            *day_bounds(today, 1), dry_run=True
        ),
    }
    if connection.vendor == "postgresql":
        person = AuditEvent.objects.filter(about_person(12345)).order_by("-pk")[:100]
        print("EXPLAIN of the person filter:")
        print(person.explain())
    print(f"{'query':40} median ms ({args.repeat} runs)")
    for name, work in cases.items():
        print(f"{name:40} {median_ms(work, args.repeat):10.1f}")


if __name__ == "__main__":
    main()
