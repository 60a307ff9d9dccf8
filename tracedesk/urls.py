from django.contrib import admin
from django.urls import include, path

from tracedesk.api import api

urlpatterns = [
    path("", include("tracedesk.home.urls")),
    path("", include("tracedesk.people.urls")),
    path("", include("tracedesk.linkage.urls")),
    path("", include("tracedesk.cases.urls")),
    path("", include("tracedesk.places.urls")),
    path("", include("tracedesk.ingest.urls")),
    path("accounts/", include("tracedesk.accounts.urls")),
    path("api/", api.urls),
    path("admin/", admin.site.urls),
]
