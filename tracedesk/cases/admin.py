from django.contrib import admin

from tracedesk.accounts.admin_rights import PersonalDataAdmin
from tracedesk.cases.access import cases_for, contacts_for
from tracedesk.cases.models import Case, Contact


@admin.register(Case)
class CaseAdmin(PersonalDataAdmin):
    access = staticmethod(cases_for)
    list_display = ["pk", "person", "jurisdiction", "status", "first_specimen_at", "created_at"]
    list_filter = ["status", "is_complex"]


@admin.register(Contact)
class ContactAdmin(PersonalDataAdmin):
    access = staticmethod(contacts_for)
    list_display = ["pk", "case", "person", "contact_type", "last_exposure_date", "jurisdiction"]
    list_filter = ["contact_type", "proximity"]
