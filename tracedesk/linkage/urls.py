from django.urls import path

from tracedesk.linkage import views

urlpatterns = [
    path("match-reviews/", views.review_list, name="review-list"),
    path("match-reviews/<int:review_id>/", views.review_detail, name="review-detail"),
    path("match-reviews/<int:review_id>/decide/", views.review_decide, name="review-decide"),
    path("person-merges/", views.merge_list, name="merge-list"),
    path("person-merges/<int:merge_id>/undo/", views.merge_undo, name="merge-undo"),
    path("household-proposals/", views.proposal_list, name="household-proposals"),
    path(
        "household-proposals/<int:proposal_id>/decide/",
        views.proposal_decide,
        name="household-proposal-decide",
    ),
]
