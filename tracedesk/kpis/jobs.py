"""Worker jobs that keep the KPI summary tables current (see kpis.summary)."""

from __future__ import annotations

import datetime as dt

from tracedesk.kpis.summary import rebuild_recent, refresh
from tracedesk.worker.registry import Job


def refresh_job(now: dt.datetime, dry_run: bool) -> dict[str, int]:
    return refresh(now, dry_run=dry_run)


def rebuild_recent_job(now: dt.datetime, dry_run: bool) -> dict[str, int]:
    return rebuild_recent(now, dry_run=dry_run)


JOBS = [
    Job("kpis.refresh", every=dt.timedelta(minutes=1), run=refresh_job),
    Job("kpis.rebuild_recent", every=dt.timedelta(hours=6), run=rebuild_recent_job),
]
