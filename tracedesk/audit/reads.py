"""Auditing reads of personal data: every page and API route that shows it calls this."""

from __future__ import annotations

import functools
from collections.abc import Iterable

from django.conf import settings
from django.db import models, transaction
from django.http import HttpRequest

from tracedesk.audit.models import Action, AuditEvent
from tracedesk.lib.client_ip import Network, client_ip, parse_networks


@functools.cache
def _trusted_proxies(entries: tuple[str, ...]) -> list[Network]:
    return parse_networks(entries, setting="TRACEDESK_TRUSTED_PROXIES")


def client_address(request: HttpRequest) -> str | None:
    """Return the address the request came from: the one function every limit and event uses.

    ``X-Forwarded-For`` is believed only when the direct peer is one of
    ``TRACEDESK_TRUSTED_PROXIES``, and then read from the right up to the first hop
    that is not a trusted proxy (``tracedesk/lib/client_ip.py``).
    """
    trusted = _trusted_proxies(tuple(settings.TRUSTED_PROXIES))
    return client_ip(
        request.META.get("REMOTE_ADDR"), request.META.get("HTTP_X_FORWARDED_FOR"), trusted
    )


# Where an API request keeps its list events until the handler has returned its rows
# (``hooks.audited_api_operation`` sets it and fills the events' ``object_ids``).
PENDING_LISTS = "_tracedesk_pending_list_reads"


def audit_read(
    request: HttpRequest,
    target: models.Model | type[models.Model],
    *,
    purpose: str,
    ids: Iterable[int] | None = None,
    action: Action | None = None,
) -> AuditEvent:
    """Record that the signed-in user saw one record (``view``) or a list of a type (``list``).

    Holds no personal values: a list event names the data type and the records shown
    (``ids``: so "who accessed this" finds a person seen in a search result), never the
    search terms, which are often names. A web page passes the ids it shows; an API
    handler need not: the event is written when the handler returns, with the ids of the
    ``target`` records in whatever it returns (after paging), by
    ``hooks.audited_api_operation``, installed on every API operation.
    Written in a transaction of its own when the caller has none, and inside the
    caller's otherwise (an export writes its event with its work).
    """
    user = request.user
    is_record = isinstance(target, models.Model)
    event = AuditEvent(
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
    pending = getattr(request, PENDING_LISTS, None)
    if not is_record and ids is None and pending is not None:
        pending.append(event)  # written by the API wrapper with the ids it returned
        return event
    with transaction.atomic():
        event.save()
    return event
