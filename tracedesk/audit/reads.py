"""Auditing reads of personal data: every page and API route that shows it calls this."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import models, transaction
from django.http import HttpRequest

from tracedesk.audit.models import Action, AuditEvent


def client_address(request: HttpRequest) -> str | None:
    """Return the address the request came from (the proxy's view when behind one)."""
    return request.META.get("REMOTE_ADDR") or None


def audit_read(
    request: HttpRequest,
    target: models.Model | type[models.Model],
    *,
    purpose: str,
    ids: Iterable[int] | None = None,
    action: Action | None = None,
) -> AuditEvent:
    """Record that the signed-in user saw one record (``view``) or a list of a type (``list``).

    Holds no personal values: a list event names the data type and, when the caller
    passes ``ids``, the records the page showed (so "who accessed this" finds a person
    seen in a search result), never the search terms, which are often names.
    Written in a transaction of its own when the caller has none, and inside the
    caller's otherwise (an export writes its event with its work).
    """
    user = request.user
    is_record = isinstance(target, models.Model)
    with transaction.atomic():
        return AuditEvent.objects.create(
            actor=user if user.is_authenticated else None,
            actor_role=getattr(user, "role", ""),
            source="api" if request.path.startswith("/api/") else "web",
            action=action or (Action.VIEW if is_record else Action.LIST),
            object_type=target._meta.label_lower,
            object_id=str(target.pk) if isinstance(target, models.Model) else "",
            object_ids=[] if is_record or ids is None else sorted(set(ids)),
            purpose=purpose,
            client_ip=client_address(request),
        )
