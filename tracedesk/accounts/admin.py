from django.contrib import admin
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.contrib.auth.views import redirect_to_login
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from tracedesk.accounts.access import users_for
from tracedesk.accounts.admin_rights import ReferenceDataAdmin
from tracedesk.accounts.models import ApiToken, Team, TracerProfile, User


class TracerProfileInline(admin.StackedInline):
    model = TracerProfile
    can_delete = False


@admin.register(User)
class UserAdmin(ReferenceDataAdmin, BaseUserAdmin):
    list_display = ["username", "role", "team", "is_active", "last_login"]
    list_filter = ["role", "is_active", "team"]
    fieldsets = (
        *(BaseUserAdmin.fieldsets or ()),
        ("tracedesk", {"fields": ("role", "jurisdictions", "team")}),
    )
    add_fieldsets = (
        *BaseUserAdmin.add_fieldsets,
        ("tracedesk", {"fields": ("role", "team")}),
    )
    filter_horizontal = ["jurisdictions"]
    inlines = [TracerProfileInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        return users_for(request.user)

    # Invitations, disabling, role and scope changes go through the audited staff
    # pages (/accounts/users/); here accounts can only be looked at.
    def has_add_permission(self, request: HttpRequest, *args: object) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Team)
class TeamAdmin(ReferenceDataAdmin):
    list_display = ["name", "contractor"]


@admin.register(ApiToken)
class ApiTokenAdmin(ReferenceDataAdmin):
    list_display = ["name", "user", "prefix", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["prefix", "key_hash", "created_at", "last_used_at"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[ApiToken]:
        return ApiToken.objects.filter(user__in=users_for(request.user))

    # Tokens are issued by `tracedesk createtoken`, which shows the key once and
    # stores only its hash; a form here could only make an unusable token.
    def has_add_permission(self, request: HttpRequest, *args: object) -> bool:
        return False


def _sign_in_through_tracedesk(request: HttpRequest, extra_context: object = None) -> HttpResponse:
    """The admin site's own sign-in form would skip throttling: use ours."""
    target = request.GET.get(REDIRECT_FIELD_NAME) or reverse("admin:index")
    return redirect_to_login(target, reverse("login"))


admin.site.login = _sign_in_through_tracedesk  # type: ignore[method-assign]

# Rights come from roles (accounts/roles.py), not from Django's groups and permissions.
admin.site.unregister(Group)
# Authenticator secrets are never shown; administrators reset them on the staff pages.
if admin.site.is_registered(TOTPDevice):
    admin.site.unregister(TOTPDevice)
