from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.db.models import QuerySet
from django.http import HttpRequest

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


# Rights come from roles (accounts/roles.py), not from Django's groups and permissions.
admin.site.unregister(Group)
