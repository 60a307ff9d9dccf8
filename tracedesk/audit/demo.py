"""Demo audit history: a day of tracers' reads, one of them far above the others, and its alert."""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from tracedesk.accounts.models import User
from tracedesk.accounts.roles import Role
from tracedesk.audit import volume
from tracedesk.audit.models import Action, AuditEvent, Outcome, ReadAlert
from tracedesk.cases.models import Case


def populate(*, seed: int) -> str:
    """Write yesterday's case-page reads for the demo tracers, then run the read-volume job."""
    rng = random.Random(seed)  # noqa: S311  (synthetic demo history, not security)
    tracers = list(User.objects.filter(role=Role.TRACER).order_by("username"))
    start, _ = volume.day_bounds(timezone.now(), 1)
    events = []
    curious = rng.choice(tracers) if len(tracers) >= volume.MIN_PEERS else None
    for tracer in tracers:
        cases = list(
            Case.objects.filter(jurisdiction__in=tracer.jurisdictions.all()).values_list(
                "pk", flat=True
            )[:500]
        )
        if not cases:
            continue
        reads = rng.randint(25, 45) * (8 if tracer == curious else 1)
        for _ in range(reads):
            events.append(
                AuditEvent(
                    at=start + dt.timedelta(hours=8, seconds=rng.randint(0, 9 * 3600)),
                    actor=tracer,
                    actor_role=tracer.role,
                    source="web",
                    action=Action.VIEW,
                    object_type="cases.case",
                    object_id=str(rng.choice(cases)),
                    purpose="case page (demo history)",
                    client_ip="127.0.0.1",
                )
            )
    # Another tracer tried to open people outside their area: a refusals alert.
    prober = next((t for t in tracers if t != curious), None)
    if prober is not None:
        events.extend(
            AuditEvent(
                at=start + dt.timedelta(hours=14, minutes=n),
                actor=prober,
                actor_role=prober.role,
                source="web",
                action=Action.VIEW,
                object_type="people.person",
                object_id=str(900000 + n),
                purpose="not found: person-detail",
                client_ip="127.0.0.1",
                outcome=Outcome.NOT_FOUND,
            )
            for n in range(volume.REFUSALS_PER_DAY + 2)
        )
    AuditEvent.objects.bulk_create(events, batch_size=2000)
    volume.run(timezone.now(), dry_run=False)
    alerts = ReadAlert.objects.filter(acknowledged_at=None).count()
    return (
        f"Audit: {len(events):,} demo reads by {len(tracers)} tracers yesterday; "
        f"{alerts} read-volume or refusal alert(s) for the administrator at /audit/alerts/."
    )
