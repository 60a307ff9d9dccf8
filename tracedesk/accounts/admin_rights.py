"""Django admin pages that obey tracedesk's rights and scopes instead of model permissions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from tracedesk.accounts.roles import Right, has_right


class ReferenceDataAdmin(admin.ModelAdmin):
    """Reference data (geography, teams, contractors, users): administrators edit it."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return has_right(request.user, Right.MANAGE_USERS)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return has_right(request.user, Right.MANAGE_USERS)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return has_right(request.user, Right.MANAGE_USERS)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return has_right(request.user, Right.MANAGE_USERS)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return has_right(request.user, Right.MANAGE_USERS)


class PersonalDataAdmin(admin.ModelAdmin):
    """Personal records: read-only, scoped by the data type's access function.

    Changes go through audited actions in the web UI and API, never through here.
    """

    access: Callable[[Any], QuerySet[Any]]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return type(self).access(request.user)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return has_right(request.user, Right.VIEW_PERSONAL)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return has_right(request.user, Right.VIEW_PERSONAL)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    # Reading personal data here is audited like any other page (docs/security.md).
    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> Any:
        from tracedesk.audit.reads import audit_read

        response = super().changelist_view(request, extra_context)
        if response.status_code == 200:
            audit_read(request, self.model, purpose="admin site list")
        return response

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> Any:
        from tracedesk.audit.reads import audit_read

        response = super().change_view(request, object_id, form_url, extra_context)
        shown = self.get_object(request, object_id)
        if response.status_code == 200 and shown is not None:
            audit_read(request, shown, purpose="admin site record")
        return response
