"""The retention app's worker job: apply the rules once a night (contract in worker/registry.py)."""

from __future__ import annotations

import datetime as dt

from tracedesk.retention import apply
from tracedesk.worker.registry import Job


def nightly(now: dt.datetime, dry_run: bool) -> dict[str, int]:
    """Apply every retention rule at ``now``; counts per model and step."""
    return dict(apply.run(now, dry_run=dry_run))


JOBS = [Job("retention.nightly", every=dt.timedelta(hours=24), run=nightly)]
