from django.contrib import admin

from tracedesk.accounts.admin_rights import PersonalDataAdmin
from tracedesk.selfservice.access import links_for
from tracedesk.selfservice.models import AccessLink


@admin.register(AccessLink)
class AccessLinkAdmin(PersonalDataAdmin):
    access = staticmethod(links_for)
    list_display = ["pk", "kind", "created_at", "expires_at", "verified_at", "used_at", "locked_at"]
    list_filter = ["kind"]
    exclude = ["token_hash"]
