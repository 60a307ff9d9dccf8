from django.urls import path

from tracedesk.exports import views

urlpatterns = [
    path("exports/", views.export_index, name="export-index"),
    path("exports/kpis.<str:fmt>", views.export_kpis, name="export-kpis"),
    path("exports/<slug:key>.<str:fmt>", views.export_dataset, name="export-dataset"),
]
