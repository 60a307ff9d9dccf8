from django.contrib import admin

from tracedesk.accounts.admin_rights import ReferenceDataAdmin
from tracedesk.geography.models import Jurisdiction, PostcodeDistrict


@admin.register(Jurisdiction)
class JurisdictionAdmin(ReferenceDataAdmin):
    list_display = ["name", "code", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["name", "code"]


@admin.register(PostcodeDistrict)
class PostcodeDistrictAdmin(ReferenceDataAdmin):
    list_display = ["outward_code", "jurisdiction"]
    search_fields = ["outward_code"]
    list_select_related = ["jurisdiction"]
