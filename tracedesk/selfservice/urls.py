from django.urls import path

from tracedesk.selfservice import views

urlpatterns = [
    path("s/done/", views.done, name="selfservice-done"),
    path("s/<str:token>/", views.start, name="selfservice-start"),
    path("s/<str:token>/form/", views.contacts_form, name="selfservice-form"),
]
