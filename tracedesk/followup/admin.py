from django.contrib import admin

from tracedesk.accounts.admin_rights import PersonalDataAdmin
from tracedesk.followup.access import follow_ups_for
from tracedesk.followup.models import FollowUp


@admin.register(FollowUp)
class FollowUpAdmin(PersonalDataAdmin):
    access = staticmethod(follow_ups_for)
    list_display = ["pk", "contact", "due_on", "status"]
    list_filter = ["status"]
