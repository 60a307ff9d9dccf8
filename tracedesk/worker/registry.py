"""The worker's job registry: time-driven work that each app declares for itself.

An app that has periodic work puts a module ``jobs.py`` beside its models with::

    from tracedesk.worker.registry import Job

    JOBS = [Job("tracing.deadline_breaches", every=dt.timedelta(minutes=1), run=breaches)]

where ``run(now: datetime, dry_run: bool) -> dict[str, int]`` does the work due at
``now`` and returns counts for the log. A job must be idempotent: run twice for
the same ``now`` it changes nothing the second time, so a worker killed mid-run
and restarted (or two workers) never doubles a task or a message.
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Callable
from dataclasses import dataclass

from django.apps import apps

JobFunction = Callable[[dt.datetime, bool], dict[str, int]]


@dataclass(frozen=True)
class Job:
    name: str
    every: dt.timedelta
    run: JobFunction


def discover() -> list[Job]:
    """Return every installed tracedesk app's jobs, in app order then declaration order."""
    jobs: list[Job] = []
    for config in apps.get_app_configs():
        if not config.name.startswith("tracedesk."):
            continue
        try:
            module = importlib.import_module(f"{config.name}.jobs")
        except ModuleNotFoundError as error:
            if error.name != f"{config.name}.jobs":
                raise
            continue
        jobs.extend(getattr(module, "JOBS", []))
    names = [job.name for job in jobs]
    duplicated = sorted({name for name in names if names.count(name) > 1})
    if duplicated:
        raise ValueError(f"worker: job names declared twice: {', '.join(duplicated)}")
    return jobs
