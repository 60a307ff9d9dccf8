from django.urls import path

from tracedesk.audit import views

urlpatterns = [
    path("audit/", views.trail, name="audit-trail"),
    path("audit/alerts/", views.alerts, name="audit-alerts"),
    path("audit/alerts/<int:alert_id>/acknowledge/", views.acknowledge, name="audit-acknowledge"),
    path("people/<int:person_id>/access/", views.person_access, name="person-access"),
]
