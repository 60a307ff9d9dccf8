"""Request-level auditing: the records an API list returned, and requests that were refused.

Two mechanisms that no route has to remember:

- ``audited_api_operation`` wraps every API operation (``api.add_decorator`` in
  ``tracedesk/api.py``). When a handler recorded a list read with ``audit_read(request,
  Model, ...)``, the wrapper evaluates the page the handler returned once (so the rows
  recorded are exactly the rows sent) and writes that event with the ids of its ``Model``
  records in ``object_ids``: "who accessed this person" finds an API search result as
  it finds a web one. It also records refusals raised by the handler.
- ``RefusalAuditMiddleware`` does the same for refusals on web pages.

A refusal is a 403 (the role lacks the right) or a 404 (no such record, or outside the
user's scope) raised by a signed-in user's request. It is recorded as an event with
outcome ``refused`` or ``not_found``: who, from where, which route and which record id
was asked for — never a query string or form value, which may hold names. It is written
after the exception has left the view, so after any transaction the view opened has
rolled back: the refusal survives the rollback of the work it stopped.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, models, transaction
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse

from tracedesk.audit.models import Action, AuditEvent, Outcome
from tracedesk.audit.reads import PENDING_LISTS, client_address

logger = logging.getLogger(__name__)

# What a route's id parameter names: the record a refused request asked for.
ID_MODELS = {
    "person_id": "people.person",
    "case_id": "cases.case",
    "contact_id": "cases.contact",
    "setting_id": "places.setting",
    "task_id": "tracing.tracingtask",
    "review_id": "linkage.matchreview",
    "merge_id": "linkage.personmerge",
    "proposal_id": "linkage.householdproposal",
    "batch_id": "ingest.ingestbatch",
    "rejection_id": "ingest.rejectedrecord",
    "cluster_id": "clusters.cluster",
    "contract_id": "contracts.contract",
    "user_id": "accounts.user",
    "alert_id": "audit.readalert",
}
VERBS = {Outcome.REFUSED: "refused", Outcome.NOT_FOUND: "not found"}
_NESTING = 4


# --- The ids an API list returned ---------------------------------------------------------


def _materialise(result: Any) -> Any:
    """Evaluate the querysets a handler returned, once, so what is recorded is what is sent."""
    if isinstance(result, QuerySet):
        return list(result)
    if isinstance(result, dict):
        for key, value in result.items():
            if isinstance(value, QuerySet):
                result[key] = list(value)
    return result


def ids_in(result: Any, model: type[models.Model], depth: int = 0) -> list[int]:
    """Return the primary keys of the ``model`` records in a handler's result (a page, a list)."""
    if isinstance(result, model):
        return [result.pk]
    if depth >= _NESTING:
        return []
    found: list[int] = []
    if isinstance(result, dict):
        for value in result.values():
            found.extend(ids_in(value, model, depth + 1))
    elif isinstance(result, list | tuple):
        for value in result:
            found.extend(ids_in(value, model, depth + 1))
    return found


def _record_listed(pending: list[AuditEvent], result: Any) -> None:
    """Write each pending list event with the ids of its records in ``result`` (one insert)."""
    for event in pending:
        event.object_ids = sorted(set(ids_in(result, apps.get_model(event.object_type))))
    with transaction.atomic():
        AuditEvent.objects.bulk_create(pending)


def audited_api_operation(view_func: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap one API operation: fill in its list events' ids, and record refusals."""

    @functools.wraps(view_func)
    def operation(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        pending: list[AuditEvent] = []
        setattr(request, PENDING_LISTS, pending)
        try:
            result = view_func(request, *args, **kwargs)
        except (PermissionDenied, Http404) as exc:
            record_refusal(request, exc)
            raise
        finally:
            delattr(request, PENDING_LISTS)
        if pending:
            result = _materialise(result)
            _record_listed(pending, result)
        return result

    # Marks the wrapper, so a test can check that every operation has it.
    setattr(operation, "audited", True)  # noqa: B010
    return operation


# --- Refusals --------------------------------------------------------------------------------


def _actor(request: HttpRequest) -> Any:
    user = getattr(request, "user", None)
    if getattr(user, "is_authenticated", False):
        return user
    auth = getattr(request, "auth", None)  # the API's bearer token caller
    return auth if getattr(auth, "is_authenticated", False) else None


def _asked_action(method: str, has_id: bool) -> Action:
    if method in ("GET", "HEAD", "OPTIONS"):
        return Action.VIEW if has_id else Action.LIST
    if method == "DELETE":
        return Action.DELETE
    return Action.UPDATE if has_id else Action.CREATE


def record_refusal(request: HttpRequest, exc: Exception) -> AuditEvent | None:
    """Record that a signed-in user's request was refused (403) or found nothing (404).

    Anonymous requests are not recorded (they are refused before any record is looked
    up, or are the public self-service links, which have their own rate limits).
    """
    actor = _actor(request)
    if actor is None:
        return None
    match = getattr(request, "resolver_match", None)
    route = (match.url_name or match.view_name or "") if match else ""
    asked = [(key, value) for key, value in (match.kwargs if match else {}).items()
             if key.endswith("_id")]  # fmt: skip
    key, value = asked[-1] if asked else ("", "")
    outcome = Outcome.REFUSED if isinstance(exc, PermissionDenied) else Outcome.NOT_FOUND
    source = "api" if request.path.startswith("/api/") else "web"
    try:
        with transaction.atomic():
            return AuditEvent.objects.create(
                actor=actor,
                actor_role=getattr(actor, "role", ""),
                source=source,
                action=_asked_action(request.method or "GET", bool(asked)),
                object_type=ID_MODELS.get(key, "route"),
                object_id=str(value)[:40],
                purpose=f"{VERBS[outcome]}: {route}"[:120],
                client_ip=client_address(request),
                outcome=outcome,
            )
    except DatabaseError:
        # The refusal stands either way; a trail that cannot be written is an operations
        # alarm (logged), not a reason to turn a 404 into a 500.
        logger.exception("could not record a refused request to %s", route)
        return None


class RefusalAuditMiddleware:
    """Record the 403s and 404s that web views raise for signed-in users."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> None:
        if isinstance(exception, PermissionDenied | Http404):
            record_refusal(request, exception)
