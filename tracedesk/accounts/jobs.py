"""Periodic work of the accounts app (run by `tracedesk worker`)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from tracedesk.accounts import throttle
from tracedesk.accounts.models import LoginFailure
from tracedesk.worker.registry import Job

# Failed sign-ins are kept a day after they stop counting, for investigating an attack.
KEEP_FAILURES = dt.timedelta(days=1)


def purge_login_failures(now: dt.datetime, dry_run: bool) -> dict[str, int]:
    """Delete failed sign-ins that can no longer lock anything (idempotent)."""
    cutoff = now - throttle.window() - KEEP_FAILURES
    if dry_run:
        return {"would_delete": LoginFailure.objects.filter(at__lt=cutoff).count()}
    with transaction.atomic():
        return {"deleted": throttle.purge_older_than(cutoff)}


JOBS = [Job("accounts.purge_login_failures", every=dt.timedelta(hours=1), run=purge_login_failures)]
