"""The one place that scopes the audit trail and read-volume alerts to a user."""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from tracedesk.accounts.roles import Right, require
from tracedesk.accounts.scope import scope_ids
from tracedesk.audit.models import AuditEvent, ReadAlert
from tracedesk.people.models import Person


def trail_for(user: object) -> QuerySet[AuditEvent]:
    """Return the whole audit trail (403 without the right to read it).

    Not scoped by jurisdiction: events hold ids, never personal values, and an
    auditor must see everything a user did, wherever the records were.
    """
    require(user, Right.AUDIT_TRAIL)
    return AuditEvent.objects.select_related("actor")


def alerts_for(user: object) -> QuerySet[ReadAlert]:
    """Return the read-volume alerts (403 without the right to read the audit trail)."""
    require(user, Right.AUDIT_TRAIL)
    return ReadAlert.objects.select_related("user", "acknowledged_by")


def alert_for(user: object, alert_id: int) -> ReadAlert:
    """Return one read-volume alert, or raise Http404."""
    return get_object_or_404(alerts_for(user), pk=alert_id)


def audited_person_for(user: object, person_id: int) -> Person:
    """Return a person in the user's scope whose access report they may see, or 404.

    Needs the right to audit records, not the right to read personal data: the
    report shows who touched the record, never what it holds.
    """
    require(user, Right.AUDIT_RECORDS)
    people = Person.objects.filter(jurisdiction_id__in=scope_ids(user))
    return get_object_or_404(people, pk=person_id)
