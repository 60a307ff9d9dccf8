"""Writing audit events: called by every action inside its own transaction."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import models, transaction

from tracedesk.audit.models import Action, AuditEvent


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
    objects: Iterable[models.Model],
    *,
    purpose: str,
    source: str = "",
) -> None:
    """Write one audit event per object in one statement; inside the caller's transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("Audit events are written inside the transaction of the change.")
    signed_in = getattr(actor, "is_authenticated", False)
    AuditEvent.objects.bulk_create(
        AuditEvent(
            actor=actor if signed_in else None,
            actor_role=getattr(actor, "role", "") if signed_in else "",
            source=source,
            action=action,
            object_type=obj._meta.label_lower,
            object_id=str(obj.pk),
            purpose=purpose,
        )
        for obj in objects
    )
