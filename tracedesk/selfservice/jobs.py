"""Worker jobs of self-service: invite each new case to the form."""

from __future__ import annotations

import datetime as dt

from tracedesk.selfservice.actions import invite_new_cases
from tracedesk.worker.registry import Job

JOBS = [Job("selfservice.invite_new_cases", every=dt.timedelta(minutes=1), run=invite_new_cases)]
