from django.urls import path

from tracedesk.home import views

urlpatterns = [
    path("", views.home, name="home"),
    path("tracer/", views.tracer_home, name="tracer-home"),
    path("supervisor/", views.supervisor_home, name="supervisor-home"),
    path("health-protection/", views.health_protection_home, name="health-protection-home"),
    path("statistics/", views.analyst_home, name="analyst-home"),
    path("administration/", views.admin_home, name="admin-home"),
]
