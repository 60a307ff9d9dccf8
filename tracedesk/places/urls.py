from django.urls import path

from tracedesk.places import views

urlpatterns = [
    path("places/<int:setting_id>/", views.setting_detail, name="setting-detail"),
    path("checkins/", views.checkin_list, name="checkin-list"),
    path("checkins/upload/", views.checkin_upload, name="checkin-upload"),
    path("checkins/<int:batch_id>/", views.checkin_detail, name="checkin-detail"),
    path("checkins/<int:batch_id>/progress/", views.checkin_progress, name="checkin-progress"),
]
