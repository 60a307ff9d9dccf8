"""Auditing reads of personal data: every page and API route that shows it calls this."""

from __future__ import annotations

from django.db import models, transaction
from django.http import HttpRequest

from tracedesk.audit.models import Action, AuditEvent


def audit_read(
    request: HttpRequest, target: models.Model | type[models.Model], *, purpose: str
) -> AuditEvent:
    """Record that the signed-in user saw one record (``view``) or a list of a type (``list``).

    Holds no personal values: a list event names the data type, never the search terms,
    which are often names.
    """
    user = request.user
    is_record = isinstance(target, models.Model)
    with transaction.atomic():
        return AuditEvent.objects.create(
            actor=user if user.is_authenticated else None,
            actor_role=getattr(user, "role", ""),
            source="api" if request.path.startswith("/api/") else "web",
            action=Action.VIEW if is_record else Action.LIST,
            object_type=target._meta.label_lower,
            object_id=str(target.pk) if isinstance(target, models.Model) else "",
            purpose=purpose,
            client_ip=request.META.get("REMOTE_ADDR") or None,
        )
