from django.urls import path

from tracedesk.places import views

urlpatterns = [
    path("places/<int:setting_id>/", views.setting_detail, name="setting-detail"),
]
