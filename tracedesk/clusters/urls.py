from django.urls import path

from tracedesk.clusters import views

urlpatterns = [
    path("clusters/", views.cluster_list, name="cluster-list"),
    path("clusters/<int:cluster_id>/", views.cluster_detail, name="cluster-detail"),
    path("clusters/<int:cluster_id>/decide/", views.cluster_decide, name="cluster-decide"),
    path("cases/<int:case_id>/chain/", views.case_chain, name="case-chain"),
]
