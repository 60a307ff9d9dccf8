from django.contrib import admin

from tracedesk.accounts.admin_rights import PersonalDataAdmin
from tracedesk.people.access import persons_for
from tracedesk.people.models import Person


@admin.register(Person)
class PersonAdmin(PersonalDataAdmin):
    access = staticmethod(persons_for)
    list_display = ["pk", "last_name", "first_name", "date_of_birth", "jurisdiction"]
    list_select_related = ["jurisdiction"]
    search_fields = ["last_name", "nhs_number"]
