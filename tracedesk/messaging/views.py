"""Delivery receipts from GOV.UK Notify, and the demo's outbox page."""

from __future__ import annotations

import datetime as dt
import hmac
import json

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST, require_safe

from tracedesk.audit.reads import audit_read
from tracedesk.messaging.access import messages_for
from tracedesk.messaging.actions import record_receipt
from tracedesk.messaging.gateways import FileGateway
from tracedesk.messaging.models import Message

OUTBOX_SIZE = 200


def _bearer_ok(request: HttpRequest) -> bool:
    expected = settings.NOTIFY_CALLBACK_TOKEN
    given = request.headers.get("Authorization", "")
    if not expected or not given.startswith("Bearer "):
        return False
    return hmac.compare_digest(given.removeprefix("Bearer ").encode(), expected.encode())


@csrf_exempt  # a server-to-server callback, authenticated by its bearer token instead
@require_POST
def notify_status(request: HttpRequest) -> HttpResponse:
    """Record a delivery receipt that GOV.UK Notify posts for one of our messages."""
    if not _bearer_ok(request):
        return JsonResponse({"error": "missing or wrong bearer token"}, status=401)
    try:
        receipt = json.loads(request.body)
        notification_id = str(receipt["id"])
        status = str(receipt["status"])
    except (ValueError, KeyError, TypeError):
        return JsonResponse({"error": "expected JSON with id and status"}, status=400)
    message = Message.objects.filter(provider_ref=notification_id).first()
    if message is None:
        return JsonResponse({"error": "no message with this notification id"}, status=404)
    outcome = record_receipt(message, status, now=timezone.now())
    return JsonResponse({"message": message.pk, "outcome": outcome})


@require_safe
@login_required
def outbox(request: HttpRequest) -> HttpResponse:
    """The demo's outbox: messages the file gateway wrote to people in the user's scope.

    Only exists with the file gateway (synthetic people): with a real gateway the
    links go to the people themselves and no member of staff may open them.
    """
    if settings.MESSAGE_GATEWAY != "file":
        raise Http404("The outbox exists only with the demo's file gateway.")
    visible = dict(messages_for(request.user).values_list("pk", "person__date_of_birth"))
    lines = [line for line in FileGateway().read() if line["message"] in visible]
    lines = lines[-OUTBOX_SIZE:][::-1]
    for line in lines:
        line["at"] = dt.datetime.fromisoformat(line["at"])
        # Playing the person needs the date of birth they confirm (synthetic people only).
        line["date_of_birth"] = visible[line["message"]]
    audit_read(request, Message, purpose="demo outbox", ids=[line["message"] for line in lines])
    return render(request, "messaging/outbox.html", {"lines": lines})
