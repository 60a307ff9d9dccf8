from django.urls import path

from tracedesk.cases import views

urlpatterns = [
    path("cases/", views.case_list, name="case-list"),
    path("cases/<int:case_id>/", views.case_detail, name="case-detail"),
    path("contacts/<int:contact_id>/", views.contact_detail, name="contact-detail"),
]
