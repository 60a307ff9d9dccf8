"""Worker jobs of messaging: hand queued messages to the gateway, retrying with backoff."""

from __future__ import annotations

import datetime as dt

from tracedesk.messaging.actions import deliver_due
from tracedesk.worker.registry import Job


def deliver(now: dt.datetime, dry_run: bool) -> dict[str, int]:
    """Send every message that is due (new ones whose first send failed, and retries)."""
    return deliver_due(now, dry_run=dry_run)


JOBS = [Job("messaging.deliver", every=dt.timedelta(seconds=30), run=deliver)]
