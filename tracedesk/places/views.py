from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from tracedesk.audit.reads import audit_read
from tracedesk.places.access import attendances_for, setting_for


@require_safe
@login_required
def setting_detail(request: HttpRequest, setting_id: int) -> HttpResponse:
    """A setting and the attendances of people in the user's scope."""
    setting = setting_for(request.user, setting_id)
    attendances = attendances_for(request.user).filter(setting=setting).order_by("-attended_on")
    audit_read(request, setting, purpose="setting page with attendances")
    return render(
        request, "places/setting_detail.html", {"setting": setting, "attendances": attendances}
    )
