from django.urls import path

from tracedesk.messaging import views

urlpatterns = [
    path("messaging/notify/status/", views.notify_status, name="notify-status"),
    path("messaging/outbox/", views.outbox, name="message-outbox"),
]
