from django.urls import path

from tracedesk.publications import views

urlpatterns = [
    path("statistics/bulletin/", views.bulletin_page, name="bulletin"),
    path("statistics/bulletin.csv", views.bulletin_csv_file, name="bulletin-csv"),
    path("statistics/bulletin.xlsx", views.bulletin_xlsx_file, name="bulletin-xlsx"),
]
