from django.contrib import admin
from django.urls import include, path

from tracedesk.api import api

urlpatterns = [
    path("", include("tracedesk.home.urls")),
    path("", include("tracedesk.people.urls")),
    path("", include("tracedesk.linkage.urls")),
    path("", include("tracedesk.cases.urls")),
    path("", include("tracedesk.places.urls")),
    path("", include("tracedesk.clusters.urls")),
    path("", include("tracedesk.ingest.urls")),
    path("", include("tracedesk.audit.urls")),
    path("", include("tracedesk.contracts.urls")),
    path("", include("tracedesk.exports.urls")),
    path("", include("tracedesk.publications.urls")),
    path("", include("tracedesk.messaging.urls")),
    path("", include("tracedesk.selfservice.urls")),
    path("", include("tracedesk.followup.urls")),
    path("", include("tracedesk.tracing.urls")),
    path("", include("tracedesk.kpis.urls")),
    path("accounts/", include("tracedesk.accounts.urls")),
    path("api/", api.urls),
    path("admin/", admin.site.urls),
]
