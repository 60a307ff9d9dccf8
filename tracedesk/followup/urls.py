from django.urls import path

from tracedesk.followup import views

urlpatterns = [
    path("check-in/done/", views.check_in_done, name="check-in-done"),
    path("check-in/<str:token>/", views.check_in, name="check-in"),
]
