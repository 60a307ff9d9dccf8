"""Worker jobs of common-exposure detection."""

from __future__ import annotations

import datetime as dt

from tracedesk.clusters.detection import detect
from tracedesk.worker.registry import Job


def run_detection(now: dt.datetime, dry_run: bool) -> dict[str, int]:
    """Scan new cases, attendances and check-ins; propose or grow clusters."""
    return detect(now, dry_run=dry_run)


JOBS = [Job("clusters.detect", every=dt.timedelta(minutes=15), run=run_detection)]
