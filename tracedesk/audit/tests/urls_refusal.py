"""The project's URLs plus one view that writes, then is refused (for the refusal tests)."""

from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import path

from tracedesk.accounts.models import Team
from tracedesk.urls import urlpatterns as project_urls


def write_then_refuse(request: HttpRequest, person_id: int) -> HttpResponse:
    with transaction.atomic():
        Team.objects.create(name="written before the refusal")
        raise Http404


urlpatterns = [
    *project_urls,
    path("test-refusal/<int:person_id>/", write_then_refuse, name="test-refusal"),
]
