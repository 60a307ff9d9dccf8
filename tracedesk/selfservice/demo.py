"""Make the self-service journey playable in the demo: invitations and check-ins in the outbox."""

from __future__ import annotations

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from tracedesk.accounts.roles import Role
from tracedesk.cases.models import Case
from tracedesk.followup.actions import contacts_in_isolation, send_check_in
from tracedesk.geography.models import Jurisdiction
from tracedesk.messaging.actions import deliver_due
from tracedesk.messaging.gateways import FileGateway
from tracedesk.selfservice.actions import invite_case
from tracedesk.tracing.models import TaskKind, TaskStatus, TracingTask

INVITED_IN_HOME = 8
INVITED_ELSEWHERE = 5
CHECK_INS = 20


def _cases(where: Q, how_many: int) -> list[Case]:
    waiting = TracingTask.objects.filter(
        kind=TaskKind.REACH_CASE, status=TaskStatus.OPEN, assignee__isnull=True
    ).values("case_id")
    return list(
        Case.objects.filter(where, status="open", is_complex=False, pk__in=waiting)
        .exclude(person__date_of_birth=None)
        .exclude(Q(person__phone="") & Q(person__email=""))
        .exclude(links__isnull=False)
        .select_related("person")
        .order_by("-created_at", "-pk")[:how_many]
    )


def populate(*, seed: int) -> str:
    """Invite the newest waiting cases, send today's check-ins, and deliver to the outbox.

    ``seed`` is unused: the choice is the newest records, already seeded by the generator.
    """
    if settings.MESSAGE_GATEWAY != "file":
        return "Self-service: skipped (the demo's outbox needs TRACEDESK_MESSAGE_GATEWAY=file)."
    FileGateway().path.unlink(missing_ok=True)  # a fresh database: old lines name old messages
    now = timezone.now()
    # The demo tracers' and supervisors' own areas: their queues show the held-back calls.
    homes = list(
        Jurisdiction.objects.filter(
            users__username__startswith="demo.",
            users__is_active=True,
            users__role__in=[Role.TRACER, Role.SUPERVISOR],
        ).distinct()
    )
    chosen: list[Case] = []
    for home in homes:
        chosen += _cases(Q(jurisdiction=home), INVITED_IN_HOME)
    chosen += _cases(~Q(jurisdiction__in=homes), INVITED_ELSEWHERE)
    invited = sum(invite_case(case, now=now) == "invited" for case in chosen)
    today = timezone.localdate(now)
    checked = sum(
        send_check_in(contact, today=today, now=now) == "sent"
        for contact in contacts_in_isolation(today)[:CHECK_INS]
    )
    deliver_due(timezone.now())  # anything not yet handed over when its transaction committed
    return (
        f"Self-service: {invited} cases invited to the contact form, {checked} contacts sent "
        f"a check-in; open their links from the demo outbox (/messaging/outbox/)."
    )
