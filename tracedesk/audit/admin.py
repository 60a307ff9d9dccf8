from django.contrib import admin
from django.http import HttpRequest

from tracedesk.accounts.admin_rights import ReferenceDataAdmin
from tracedesk.audit.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(ReferenceDataAdmin):
    list_display = ["at", "actor", "actor_role", "source", "action", "object_type", "object_id"]
    list_filter = ["action", "object_type", "actor_role"]
    date_hierarchy = "at"

    # The audit trail is append-only, even for administrators.
    def has_add_permission(self, request: HttpRequest, *args: object) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
