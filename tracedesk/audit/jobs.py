"""The audit app's worker jobs (contract in ``tracedesk/worker/registry.py``)."""

from __future__ import annotations

import datetime as dt

from tracedesk.audit import volume
from tracedesk.worker.registry import Job

JOBS = [Job("audit.read_volume", every=dt.timedelta(hours=1), run=volume.run)]
