"""Worker jobs of daily follow-up: send the day's check-ins, and act on silence."""

from __future__ import annotations

import datetime as dt

from tracedesk.followup.actions import close_missed, send_check_ins
from tracedesk.worker.registry import Job


def send(now: dt.datetime, dry_run: bool) -> dict[str, int]:
    """Send today's check-in to each contact in isolation who has not had it yet."""
    return send_check_ins(now, dry_run)


JOBS = [
    Job("followup.send_check_ins", every=dt.timedelta(minutes=15), run=send),
    Job("followup.close_missed", every=dt.timedelta(minutes=15), run=close_missed),
]
