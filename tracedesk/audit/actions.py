"""Writing audit events: called by every action inside its own transaction."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection, models, transaction
from django.db.models import BooleanField, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone

from tracedesk.audit.models import Action, AuditEvent, ReadAlert


def record_event(
    actor: Any,
    action: Action,
    obj: models.Model,
    *,
    purpose: str,
    source: str = "",
    fields: Iterable[str] = (),
) -> AuditEvent:
    """Write one audit event about ``obj``; must run inside the action's transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("Audit events are written inside the transaction of the change.")
    signed_in = getattr(actor, "is_authenticated", False)
    return AuditEvent.objects.create(
        actor=actor if signed_in else None,
        actor_role=getattr(actor, "role", "") if signed_in else "",
        source=source,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        purpose=purpose,
        fields=sorted(fields),
    )


def record_events(
    actor: Any,
    action: Action,
    model: type[models.Model],
    ids: Sequence[int],
    *,
    purpose: str,
    source: str = "",
) -> AuditEvent | None:
    """Write one audit event for an action over many records of ``model`` (their ``ids``).

    Used by set-based writes (a chunk of a laboratory feed): one row instead of one
    per record, still naming every record. Inside the caller's transaction.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("Audit events are written inside the transaction of the change.")
    if not ids:
        return None
    signed_in = getattr(actor, "is_authenticated", False)
    return AuditEvent.objects.create(
        actor=actor if signed_in else None,
        actor_role=getattr(actor, "role", "") if signed_in else "",
        source=source,
        action=action,
        object_type=model._meta.label_lower,
        object_ids=list(ids),
        purpose=purpose,
    )


def events_about(obj: models.Model) -> QuerySet[AuditEvent]:
    """Every audit event about ``obj``: its own, and those of actions over many records."""
    label, pk = obj._meta.label_lower, int(obj.pk)
    if connection.vendor == "postgresql":
        listed = "object_ids @> %s::jsonb"
        params: list[object] = [json.dumps([pk])]
    else:
        listed = "EXISTS (SELECT 1 FROM json_each(object_ids) WHERE value = %s)"
        params = [pk]
    in_lists = (
        AuditEvent.objects.filter(object_type=label, object_id="")
        .alias(lists=RawSQL(listed, params, output_field=BooleanField()))  # noqa: S611  (constant SQL)
        .filter(lists=True)
        .values("pk")
    )
    return AuditEvent.objects.filter(object_type=label).filter(
        Q(object_id=str(pk)) | Q(pk__in=in_lists)
    )


def listing_any(label: str, ids: Iterable[int]) -> QuerySet[AuditEvent]:
    """Return the events over many records of one type (bulk events) that list any of ``ids``."""
    wanted = sorted({int(pk) for pk in ids})
    if not wanted:
        return AuditEvent.objects.none()
    if connection.vendor == "postgresql":
        # One containment test per id, so the GIN index on object_ids (migration 0004)
        # answers each with an index scan instead of reading every bulk event.
        listed = "(" + " OR ".join(["object_ids @> %s::jsonb"] * len(wanted)) + ")"
        params: list[object] = [json.dumps([pk]) for pk in wanted]
    else:
        listed = (
            "EXISTS (SELECT 1 FROM json_each(object_ids) "
            "WHERE value IN (SELECT value FROM json_each(%s)))"
        )
        params = [json.dumps(wanted)]
    return (
        AuditEvent.objects.filter(object_type=label, object_id="")
        .alias(lists=RawSQL(listed, params, output_field=BooleanField()))  # noqa: S611  (constant SQL)
        .filter(lists=True)
    )


def about_any(label: str, ids: Iterable[int]) -> Q:
    """Return a filter for the events about any of ``ids`` of one type, single or listed."""
    wanted = sorted({int(pk) for pk in ids})
    if not wanted:
        return Q(pk__in=[])
    return Q(object_type=label) & (
        Q(object_id__in=[str(pk) for pk in wanted])
        | Q(pk__in=listing_any(label, wanted).values("pk"))
    )


@transaction.atomic
def acknowledge_alert(alert: ReadAlert, *, actor: Any, note: str, source: str) -> ReadAlert:
    """Mark a read-volume alert as reviewed, with what the reviewer found."""
    if alert.acknowledged_at is not None:
        return alert
    alert.acknowledged_at = timezone.now()
    alert.acknowledged_by = actor
    alert.note = note.strip()[:500]
    alert.save(update_fields=["acknowledged_at", "acknowledged_by", "note"])
    record_event(
        actor,
        Action.UPDATE,
        alert,
        purpose="read-volume alert reviewed",
        source=source,
        fields=["acknowledged_at", "acknowledged_by", "note"],
    )
    return alert
