from django.contrib import admin

from tracedesk.accounts.admin_rights import PersonalDataAdmin
from tracedesk.tracing.access import attempts_for, tasks_for
from tracedesk.tracing.models import CallAttempt, TracingTask


@admin.register(TracingTask)
class TracingTaskAdmin(PersonalDataAdmin):
    access = staticmethod(tasks_for)
    list_display = ["pk", "kind", "status", "priority", "due_by", "assignee", "jurisdiction"]
    list_filter = ["kind", "status"]


@admin.register(CallAttempt)
class CallAttemptAdmin(PersonalDataAdmin):
    access = staticmethod(attempts_for)
    list_display = ["pk", "task", "tracer", "started_at", "outcome"]
    list_filter = ["outcome"]
