from django.urls import path

from tracedesk.tracing import views

urlpatterns = [
    path("tracing/", views.work, name="tracing-work"),
    path("tracing/next/", views.take_next, name="tracing-next"),
    path("tracing/state/", views.change_state, name="tracing-state"),
    path("tracing/tasks/<int:task_id>/", views.task_detail, name="tracing-task"),
    path("tracing/tasks/<int:task_id>/attempt/", views.record_attempt, name="tracing-attempt"),
    path("tracing/tasks/<int:task_id>/interview/", views.interview, name="tracing-interview"),
    path("tracing/tasks/<int:task_id>/give-back/", views.give_back, name="tracing-give-back"),
    path("tracing/console/", views.console, name="tracing-console"),
    path("tracing/console/assign/", views.assign, name="tracing-assign"),
]
