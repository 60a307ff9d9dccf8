"""Running the registry's jobs: leases so two workers never run one job at once, and a log.

Each pass takes every due job whose lease is free, runs it, logs a ``JobRun``
and schedules the job's next run ``every`` after this one started. A job that
raises is logged with its error and tried again at its next interval; the
other jobs still run. A worker killed mid-job leaves a ``JobRun`` without an
end; its lease expires after ``WORKER_LEASE_SECONDS`` and the next worker runs
the job again, which is safe because jobs are idempotent.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import time
from collections.abc import Callable, Sequence

from django.conf import settings
from django.db import IntegrityError, close_old_connections, transaction
from django.db.models import Q
from django.utils import timezone

from tracedesk.worker.models import JobRun, JobSchedule
from tracedesk.worker.registry import Job, discover

log = logging.getLogger(__name__)


def worker_name() -> str:
    """Name this process in leases and the run log: host and process id."""
    return f"{socket.gethostname()}:{os.getpid()}"


def ensure_schedules(jobs: Sequence[Job], now: dt.datetime) -> None:
    """Create the schedule row of each job not seen before (due at once)."""
    known = set(JobSchedule.objects.values_list("name", flat=True))
    for job in jobs:
        if job.name in known:
            continue
        try:
            with transaction.atomic():
                JobSchedule.objects.create(name=job.name, next_run_at=now)
        except IntegrityError:
            pass  # another worker created it at the same moment


def take(job: Job, *, worker: str, now: dt.datetime, force: bool = False) -> bool:
    """Take the job's lease if it is free (or expired) and the job is due (or forced)."""
    free = Q(held_until__isnull=True) | Q(held_until__lte=now) | Q(holder=worker)
    due = Q() if force else Q(next_run_at__lte=now)
    lease = dt.timedelta(seconds=settings.WORKER_LEASE_SECONDS)
    with transaction.atomic():
        taken = JobSchedule.objects.filter(free, due, name=job.name).update(
            holder=worker, held_until=now + lease
        )
    return taken == 1


def release(job: Job, *, worker: str, started: dt.datetime) -> None:
    """Give the lease back and schedule the next run one interval after this one started."""
    with transaction.atomic():
        JobSchedule.objects.filter(name=job.name, holder=worker).update(
            holder="", held_until=None, next_run_at=started + job.every
        )


def run_job(job: Job, *, worker: str, now: dt.datetime, dry_run: bool = False) -> JobRun:
    """Run one job (already leased, or a dry run) and log it; never raises the job's error."""
    run = JobRun.objects.create(name=job.name, worker=worker, dry_run=dry_run, started_at=now)
    try:
        counts = job.run(now, dry_run)
    except Exception as error:
        log.exception("worker: job %s failed", job.name)
        run.error = f"{type(error).__name__}: {error}"[:2000]
    else:
        run.counts = {key: int(value) for key, value in counts.items()}
    run.finished_at = timezone.now()
    run.save(update_fields=["counts", "error", "finished_at"])
    return run


def run_pass(
    jobs: Sequence[Job],
    *,
    worker: str,
    force: bool = False,
    dry_run: bool = False,
    clock: Callable[[], dt.datetime] = timezone.now,
) -> list[JobRun]:
    """Run every job that is due (all of them when forced) once; return their logs.

    A dry run takes no lease and moves no schedule: it reports what each job
    would do, and its jobs write nothing.
    """
    ensure_schedules(jobs, clock())
    runs = []
    for job in jobs:
        now = clock()
        if dry_run:
            runs.append(run_job(job, worker=worker, now=now, dry_run=True))
            continue
        if not take(job, worker=worker, now=now, force=force):
            continue
        try:
            runs.append(run_job(job, worker=worker, now=now))
        finally:
            release(job, worker=worker, started=now)
    return runs


def seconds_until_next(jobs: Sequence[Job], now: dt.datetime) -> float:
    """How long an idle worker may sleep before a job falls due."""
    names = [job.name for job in jobs]
    upcoming = (
        JobSchedule.objects.filter(name__in=names)
        .order_by("next_run_at")
        .values_list("next_run_at", flat=True)
        .first()
    )
    if upcoming is None:
        return 0.0
    return max(0.0, (upcoming - now).total_seconds())


def loop(
    jobs: Sequence[Job],
    *,
    worker: str,
    stop: Callable[[], bool],
    report: Callable[[JobRun], None] = lambda run: None,
) -> None:
    """Run due jobs until ``stop()`` is true, sleeping between passes."""
    while not stop():
        close_old_connections()
        for run in run_pass(jobs, worker=worker):
            report(run)
        pause = min(settings.WORKER_POLL_SECONDS, seconds_until_next(jobs, timezone.now()))
        deadline = time.monotonic() + pause
        while not stop() and time.monotonic() < deadline:
            time.sleep(min(0.5, max(0.0, deadline - time.monotonic())))


def select(names: Sequence[str]) -> list[Job]:
    """Return the registry's jobs, or only the named ones (ValueError naming unknown names)."""
    jobs = discover()
    if not names:
        return jobs
    by_name = {job.name: job for job in jobs}
    unknown = [name for name in names if name not in by_name]
    if unknown:
        known = ", ".join(sorted(by_name))
        raise ValueError(f"unknown job {', '.join(unknown)}; the jobs are: {known}")
    return [by_name[name] for name in names]
