"""The worker: due jobs at their intervals, one holder per job, a run log, dry runs."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from io import StringIO
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from tracedesk.worker.models import JobRun, JobSchedule
from tracedesk.worker.registry import Job, discover
from tracedesk.worker.runner import run_pass, select, take

START = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)


class Counter:
    def __init__(self) -> None:
        self.calls: list[tuple[dt.datetime, bool]] = []

    def __call__(self, now: dt.datetime, dry_run: bool) -> dict[str, int]:
        self.calls.append((now, dry_run))
        return {"done": 0 if dry_run else 1}


@pytest.fixture
def counter() -> Counter:
    return Counter()


@pytest.fixture
def job(counter: Counter) -> Job:
    return Job("tests.count", every=dt.timedelta(minutes=5), run=counter)


def test_a_due_job_runs_once_per_interval_and_is_logged(
    db: None, job: Job, counter: Counter
) -> None:
    with time_machine.travel(START, tick=False) as clock:
        [run] = run_pass([job], worker="w1")
        assert run.counts == {"done": 1} and run.finished_at and not run.error
        assert run_pass([job], worker="w1") == []  # not due again yet
        clock.shift(dt.timedelta(minutes=4, seconds=59))
        assert run_pass([job], worker="w1") == []
        clock.shift(dt.timedelta(seconds=1))
        assert len(run_pass([job], worker="w1")) == 1
    assert len(counter.calls) == 2
    schedule = JobSchedule.objects.get(name="tests.count")
    assert schedule.next_run_at == START + dt.timedelta(minutes=10)
    assert schedule.holder == "" and schedule.held_until is None
    assert JobRun.objects.filter(name="tests.count").count() == 2


def test_a_held_job_is_not_taken_by_a_second_worker_until_its_lease_ends(
    db: None, job: Job, settings: Any
) -> None:
    settings.WORKER_LEASE_SECONDS = 600
    with time_machine.travel(START, tick=False) as clock:
        run_pass([], worker="w1")
        JobSchedule.objects.create(name=job.name, next_run_at=START)
        assert take(job, worker="w1", now=START)  # w1 is killed while holding it
        assert not take(job, worker="w2", now=START)
        assert run_pass([job], worker="w2") == []
        clock.shift(dt.timedelta(seconds=601))
        assert len(run_pass([job], worker="w2")) == 1  # the lease expired: w2 takes over


def test_a_failing_job_is_logged_and_the_others_still_run(db: None, counter: Counter) -> None:
    def broken(now: dt.datetime, dry_run: bool) -> dict[str, int]:
        raise RuntimeError("disk full")

    jobs = [
        Job("tests.broken", dt.timedelta(minutes=1), broken),
        Job("tests.ok", dt.timedelta(minutes=1), counter),
    ]
    runs = run_pass(jobs, worker="w1")
    assert [r.error for r in runs] == ["RuntimeError: disk full", ""]
    assert JobSchedule.objects.get(name="tests.broken").holder == ""  # released for next time


def test_a_dry_run_passes_dry_run_and_moves_no_schedule(
    db: None, job: Job, counter: Counter
) -> None:
    [run] = run_pass([job], worker="w1", dry_run=True)
    assert run.dry_run and counter.calls[0][1] is True
    schedule = JobSchedule.objects.get(name=job.name)
    assert schedule.holder == "" and len(run_pass([job], worker="w1")) == 1


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_the_same_moment_run_a_job_once(job: Job, counter: Counter) -> None:
    run_pass([], worker="setup")
    JobSchedule.objects.create(name=job.name)
    barrier = threading.Barrier(2)
    results: dict[str, int] = {}

    def worker(name: str) -> None:
        barrier.wait()
        try:
            results[name] = len(run_pass([job], worker=name))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(f"w{i}",)) for i in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results.values()) == [0, 1]
    assert len(counter.calls) == 1


def test_every_app_job_is_discovered_and_named_uniquely() -> None:
    names = [job.name for job in discover()]
    assert {
        "messaging.deliver",
        "selfservice.invite_new_cases",
        "followup.send_check_ins",
        "followup.close_missed",
    } <= set(names)
    with pytest.raises(ValueError, match="unknown job nope"):
        select(["nope"])


@pytest.fixture
def no_jobs_but(monkeypatch: pytest.MonkeyPatch, job: Job) -> Iterator[None]:
    monkeypatch.setattr("tracedesk.worker.runner.discover", lambda: [job])
    yield


def test_the_command_runs_once_and_prints_counts(db: None, no_jobs_but: None) -> None:
    out = StringIO()
    call_command("worker", "--once", stdout=out)
    assert "tests.count: done 1" in out.getvalue()
    out = StringIO()
    call_command("worker", "--once", stdout=out)
    assert out.getvalue() == ""  # nothing due
    out = StringIO()
    call_command("worker", "--once", "--job", "tests.count", stdout=out)  # named: runs now
    assert "tests.count: done 1" in out.getvalue()
    out = StringIO()
    call_command("worker", "--dry-run", stdout=out)
    assert "[dry run] tests.count: done 0" in out.getvalue()
    with pytest.raises(CommandError, match="unknown job"):
        call_command("worker", "--job", "nope")


def test_the_command_fails_when_a_job_fails(db: None, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(now: dt.datetime, dry_run: bool) -> dict[str, int]:
        raise RuntimeError("boom")

    monkeypatch.setattr(
        "tracedesk.worker.runner.discover", lambda: [Job("tests.broken", dt.timedelta(1), broken)]
    )
    err = StringIO()
    with pytest.raises(CommandError, match="a job failed"):
        call_command("worker", "--once", stdout=StringIO(), stderr=err)
    assert "tests.broken: FAILED" in err.getvalue()
