"""The project's URLs plus one view guarded by re-authentication (for its tests)."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from tracedesk.accounts.reauth import recent_authentication_required
from tracedesk.urls import urlpatterns as project_urls


@recent_authentication_required
def guarded_export(request: HttpRequest) -> HttpResponse:
    return HttpResponse(f"exported by {request.user} via {request.method}")


urlpatterns = [*project_urls, path("test-export/", guarded_export, name="test-export")]
