"""Decisions on clusters: each atomic, audited and logged on the cluster."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from tracedesk.audit.actions import record_event
from tracedesk.audit.models import Action
from tracedesk.clusters.models import Cluster, ClusterLog, ClusterStatus, LogKind
from tracedesk.people.models import Person
from tracedesk.places.models import Attendance, CheckIn

SETTING_TASK_HOURS = 24
ATTENDEE_TEMPLATE = "cluster_attendee"


def attendees_in_window(cluster: Cluster) -> QuerySet[Person]:
    """People known to have been at the setting in the cluster's days, other than its cases.

    Known means an attendance (interview, form) or a check-in whose token is linked to
    a person; anonymous check-ins cannot be messaged.
    """
    first, last = cluster.first_exposure_on, cluster.last_exposure_on
    cases = cluster.members.values("case__person_id")
    attended = Attendance.objects.filter(
        setting_id=cluster.setting_id, attended_on__gte=first, attended_on__lte=last
    ).values("person_id")
    start = dt.datetime.combine(first, dt.time.min, tzinfo=dt.UTC)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min, tzinfo=dt.UTC)
    checked_in = CheckIn.objects.filter(
        setting_id=cluster.setting_id,
        checked_in_at__gte=start,
        checked_in_at__lt=end,
        token__person__isnull=False,
    ).values("token__person_id")
    return (
        Person.objects.filter(merged_into__isnull=True)
        .filter(Q(pk__in=attended) | Q(pk__in=checked_in))
        .exclude(pk__in=cases)
        .order_by("pk")
    )


def _decidable(cluster: Cluster) -> None:
    if cluster.status != ClusterStatus.PROPOSED:
        raise ValidationError(
            {"status": f"Cluster {cluster.pk} is {cluster.get_status_display().lower()}, "
                       "not proposed: it has been decided already."}
        )  # fmt: skip


@transaction.atomic
def confirm_cluster(
    cluster: Cluster,
    *,
    actor: object,
    note: str = "",
    notify_attendees: bool = True,
    source: str,
    now: dt.datetime | None = None,
) -> Cluster:
    """Confirm a proposed cluster: a task to notify the setting, and a message to each
    other known attendee in the cluster's days (one message per person)."""
    from tracedesk.messaging.actions import send_to_people
    from tracedesk.tracing.actions import open_task
    from tracedesk.tracing.models import TaskKind

    now = now or timezone.now()
    cluster = Cluster.objects.select_for_update().select_related("setting").get(pk=cluster.pk)
    _decidable(cluster)
    cluster.status = ClusterStatus.CONFIRMED
    cluster.decided_at = now
    cluster.decided_by = actor if getattr(actor, "is_authenticated", False) else None  # type: ignore[assignment]
    cluster.decision_note = note.strip()
    user = cluster.decided_by
    ClusterLog.objects.create(
        cluster=cluster, at=now, kind=LogKind.CONFIRMED, actor=user,
        text="Confirmed" + (f": {cluster.decision_note}" if cluster.decision_note else "."),
    )  # fmt: skip
    task = open_task(
        TaskKind.NOTIFY_SETTING,
        setting=cluster.setting,
        due_by=now + dt.timedelta(hours=SETTING_TASK_HOURS),
        priority=1 if cluster.setting.setting_type in {"care_home", "healthcare"} else 2,
        reason=f"Cluster {cluster.pk} confirmed: {cluster.case_count} cases at this setting",
        actor=actor,
        source=source,
    )
    ClusterLog.objects.create(
        cluster=cluster, at=now, kind=LogKind.TASK, actor=user,
        text=f"Task {task.pk} opened: notify the setting (due within {SETTING_TASK_HOURS} h).",
    )  # fmt: skip
    if notify_attendees:
        people = list(attendees_in_window(cluster))
        setting_name = cluster.setting.name
        first, last = cluster.first_exposure_on, cluster.last_exposure_on
        messages = send_to_people(
            people,
            template=ATTENDEE_TEMPLATE,
            context_for=lambda person: {
                "setting_name": setting_name,
                "first_day": first,
                "last_day": last,
                "isolation_days": getattr(settings, "ISOLATION_DAYS", 10),
            },
            actor=actor,
            purpose=f"cluster {cluster.pk}: attendees told of possible exposure",
            source=source,
        )
        cluster.attendees_notified = len(messages)
        ClusterLog.objects.create(
            cluster=cluster, at=now, kind=LogKind.NOTIFIED, actor=user,
            text=f"{len(messages)} other attendee(s) in the window sent a message"
            " (one message each).",
        )  # fmt: skip
    cluster.updated_at = now
    cluster.save()
    record_event(actor, Action.UPDATE, cluster, purpose="cluster confirmed", source=source)
    return cluster


@transaction.atomic
def dismiss_cluster(
    cluster: Cluster, *, actor: object, note: str, source: str, now: dt.datetime | None = None
) -> Cluster:
    """Dismiss a proposed cluster (a reason is required); it is proposed again only if two
    or more new households are added later."""
    now = now or timezone.now()
    cluster = Cluster.objects.select_for_update().get(pk=cluster.pk)
    _decidable(cluster)
    if not note.strip():
        raise ValidationError({"note": "Say why the cluster is dismissed."})
    cluster.status = ClusterStatus.DISMISSED
    cluster.decided_at = now
    cluster.decided_by = actor if getattr(actor, "is_authenticated", False) else None  # type: ignore[assignment]
    cluster.decision_note = note.strip()
    cluster.updated_at = now
    cluster.save()
    ClusterLog.objects.create(
        cluster=cluster, at=now, kind=LogKind.DISMISSED, actor=cluster.decided_by,
        text=f"Dismissed: {cluster.decision_note}",
    )  # fmt: skip
    record_event(actor, Action.UPDATE, cluster, purpose="cluster dismissed", source=source)
    return cluster
