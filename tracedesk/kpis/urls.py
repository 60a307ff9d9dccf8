from django.urls import path

from tracedesk.kpis import views

urlpatterns = [
    path("kpis/", views.kpi_dashboard, name="kpi-dashboard"),
]
