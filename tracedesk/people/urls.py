from django.urls import path

from tracedesk.people import views

urlpatterns = [
    path("people/", views.person_list, name="person-list"),
    path("people/<int:person_id>/", views.person_detail, name="person-detail"),
]
