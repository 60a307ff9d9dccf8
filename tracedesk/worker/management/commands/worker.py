"""tracedesk worker: run the time-driven jobs every app declares in its jobs.py."""

from __future__ import annotations

import signal
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tracedesk.worker.models import JobRun
from tracedesk.worker.runner import loop, run_pass, select, worker_name


class Command(BaseCommand):
    help = (
        "Run due jobs at their intervals until stopped; --once for a single pass, "
        "--job NAME to run named jobs now, --dry-run to report without writing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="One pass over due jobs, then stop")
        parser.add_argument(
            "--job",
            action="append",
            default=[],
            metavar="NAME",
            help="Only this job (repeatable); it runs at once even if not yet due",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Report what each job would do; write nothing"
        )
        parser.add_argument("--list", action="store_true", help="List the jobs and stop")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            jobs = select(options["job"])
        except ValueError as error:
            raise CommandError(str(error)) from None
        if options["list"]:
            for job in jobs:
                self.stdout.write(f"{job.name:<40} every {job.every}")
            return
        worker = worker_name()
        if options["once"] or options["dry_run"] or options["job"]:
            runs = run_pass(
                jobs, worker=worker, force=bool(options["job"]), dry_run=options["dry_run"]
            )
            for run in runs:
                self.report(run)
            if not options["once"] and not options["dry_run"]:
                self.serve(jobs, worker)
            if any(run.error for run in runs):
                raise CommandError("a job failed; see its error above and in the run log")
            return
        self.serve(jobs, worker)

    def serve(self, jobs: list[Any], worker: str) -> None:
        stopping = False

        def stop_soon(signum: int, frame: FrameType | None) -> None:
            nonlocal stopping
            stopping = True  # finish the job under way, then stop

        signal.signal(signal.SIGTERM, stop_soon)
        signal.signal(signal.SIGINT, stop_soon)
        self.stdout.write(f"Worker {worker}: {len(jobs)} jobs; Ctrl-C stops after the current one.")
        loop(jobs, worker=worker, stop=lambda: stopping, report=self.report)

    def report(self, run: JobRun) -> None:
        counts = ", ".join(f"{key} {value}" for key, value in run.counts.items()) or "nothing"
        took = (run.finished_at - run.started_at).total_seconds() if run.finished_at else 0.0
        prefix = "[dry run] " if run.dry_run else ""
        if run.error:
            self.stderr.write(f"{prefix}{run.name}: FAILED after {took:.1f} s: {run.error}")
        else:
            self.stdout.write(f"{prefix}{run.name}: {counts} ({took:.1f} s)")
