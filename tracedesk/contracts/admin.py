from django.contrib import admin

from tracedesk.accounts.admin_rights import ReferenceDataAdmin
from tracedesk.contracts.models import Contractor


@admin.register(Contractor)
class ContractorAdmin(ReferenceDataAdmin):
    list_display = ["name", "companies_house_number"]
