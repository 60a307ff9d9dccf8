"""Benchmark sending one message per person: queueing, then handing each to the gateway.

    .venv/bin/python benchmarks/messaging_send.py --size 10000
    scripts/with-postgres.sh .venv/bin/python benchmarks/messaging_send.py --size 10000

Fills an empty database (PostgreSQL when DATABASE_URL points at one, else a fresh SQLite file
under --data-dir) with ``--size`` people with a mobile number, then, ``--repeat`` times, times
``send_to_people`` for all of them (rows, rendering, one audit event) and the delivery of every
queued message through the file gateway (one claim, one send, one status update and one audit
event per message, as the worker's ``messaging.deliver`` job does). Prints medians.
"""

from __future__ import annotations

import argparse
import os
import pathlib
import statistics
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--data-dir", default=tempfile.mkdtemp(prefix="tracedesk-bench-msg-"))
    args = parser.parse_args()
    os.environ.setdefault("TRACEDESK_DATA_DIR", args.data_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracedesk.settings")
    os.environ["TRACEDESK_MESSAGE_GATEWAY"] = "file"
    os.environ["TRACEDESK_MESSAGE_OUTBOX_DIR"] = str(pathlib.Path(args.data_dir) / "outbox")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from tracedesk.geography.models import Jurisdiction
    from tracedesk.messaging.actions import deliver_due, send_to_people
    from tracedesk.messaging.models import Message
    from tracedesk.people.models import Person

    call_command("migrate", verbosity=0)
    place, _ = Jurisdiction.objects.get_or_create(
        code="E08000035", defaults={"name": "Leeds", "level": "local_authority"}
    )
    queue_times, deliver_times = [], []
    for run in range(args.repeat):
        people = Person.objects.bulk_create(
            Person(first_name=f"P{run}-{i}", last_name="Bench", phone=f"077{run}{i:07d}",
                   jurisdiction=place)
            for i in range(args.size)
        )  # fmt: skip
        started = time.perf_counter()
        with transaction.atomic():
            # Queue only: the on-commit delivery is what is timed next.
            messages = send_to_people(
                people, template="notice", context_for=lambda p: {"text": "Benchmark."},
                actor=None, purpose="benchmark", source="benchmark",
            )  # fmt: skip
            transaction.get_connection().run_on_commit = []
        queue_times.append(time.perf_counter() - started)
        started = time.perf_counter()
        counts = deliver_due(timezone.now(), limit=args.size)
        deliver_times.append(time.perf_counter() - started)
        assert counts["sent"] == args.size, counts
        assert len(messages) == args.size
    sent = Message.objects.count()
    queue, deliver = statistics.median(queue_times), statistics.median(deliver_times)
    print(f"database: {connection.vendor}; people per run: {args.size:,}; runs: {args.repeat}")
    print(f"queue (send_to_people):  median {queue:.2f} s = {args.size / queue:,.0f} messages/s")
    rate = args.size / deliver
    print(f"deliver (file gateway):  median {deliver:.2f} s = {rate:,.0f} messages/s")
    print(f"messages in the table: {sent:,}")


if __name__ == "__main__":
    main()
