from django.contrib import admin

from tracedesk.accounts.admin_rights import PersonalDataAdmin
from tracedesk.ingest.access import results_for
from tracedesk.ingest.models import TestResult


@admin.register(TestResult)
class TestResultAdmin(PersonalDataAdmin):
    access = staticmethod(results_for)
    list_display = ["lab_code", "specimen_id", "test_code", "result", "result_at", "jurisdiction"]
    list_filter = ["result", "lab_code"]
