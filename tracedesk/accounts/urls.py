from django.contrib.auth import views as auth_views
from django.urls import path

from tracedesk.accounts import views

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("two-factor/", views.two_factor_manage, name="two-factor-manage"),
    path("two-factor/set-up/", views.two_factor_setup, name="two-factor-setup"),
    path("two-factor/verify/", views.two_factor_verify, name="two-factor-verify"),
    path("confirm/", views.reauthenticate, name="reauthenticate"),
    path("invitation/<str:key>/", views.accept_invitation, name="accept-invitation"),
    path("users/", views.user_list, name="user-list"),
    path("users/invite/", views.user_invite, name="user-invite"),
    path("users/<int:user_id>/", views.user_detail, name="user-detail"),
    path("users/<int:user_id>/disable/", views.user_disable, name="user-disable"),
    path("users/<int:user_id>/enable/", views.user_enable, name="user-enable"),
    path("users/<int:user_id>/role/", views.user_role, name="user-role"),
    path("users/<int:user_id>/jurisdictions/", views.user_jurisdictions, name="user-jurisdictions"),
    path("users/<int:user_id>/unlock/", views.user_unlock, name="user-unlock"),
    path(
        "users/<int:user_id>/reset-two-factor/",
        views.user_reset_two_factor,
        name="user-reset-two-factor",
    ),
    path("users/<int:user_id>/reinvite/", views.user_reinvite, name="user-reinvite"),
]
