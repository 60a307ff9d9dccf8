from django.urls import path

from tracedesk.ingest import views

urlpatterns = [
    path("ingest/", views.batch_list, name="ingest-list"),
    path("ingest/upload/", views.upload, name="ingest-upload"),
    path("ingest/<int:batch_id>/", views.batch_detail, name="ingest-detail"),
    path("ingest/<int:batch_id>/progress/", views.batch_progress, name="ingest-progress"),
    path("ingest/rejections/<int:rejection_id>/", views.rejection_detail, name="rejection-detail"),
]
