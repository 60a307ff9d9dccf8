from django.contrib import admin

from tracedesk.accounts.admin_rights import PersonalDataAdmin
from tracedesk.messaging.access import messages_for
from tracedesk.messaging.models import Message


@admin.register(Message)
class MessageAdmin(PersonalDataAdmin):
    access = staticmethod(messages_for)
    list_display = ["pk", "template", "channel", "status", "attempts", "created_at"]
    list_filter = ["status", "channel", "template"]
    exclude = ["body"]  # may hold a single-use link: staff never need it
