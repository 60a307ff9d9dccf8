from django.contrib import admin

from tracedesk.accounts.admin_rights import ReferenceDataAdmin
from tracedesk.worker.models import JobRun, JobSchedule


@admin.register(JobRun)
class JobRunAdmin(ReferenceDataAdmin):
    list_display = ["name", "started_at", "finished_at", "counts", "error", "worker", "dry_run"]
    list_filter = ["name", "dry_run"]
    readonly_fields = ["name", "worker", "dry_run", "started_at", "finished_at", "counts", "error"]


@admin.register(JobSchedule)
class JobScheduleAdmin(ReferenceDataAdmin):
    list_display = ["name", "next_run_at", "holder", "held_until"]
    readonly_fields = ["name", "holder", "held_until"]
