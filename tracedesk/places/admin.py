from django.contrib import admin

from tracedesk.accounts.admin_rights import PersonalDataAdmin
from tracedesk.places.access import attendances_for, settings_for
from tracedesk.places.models import Attendance, Setting


@admin.register(Setting)
class SettingAdmin(PersonalDataAdmin):
    access = staticmethod(settings_for)
    list_display = ["name", "setting_type", "jurisdiction", "external_ref"]
    list_filter = ["setting_type"]


@admin.register(Attendance)
class AttendanceAdmin(PersonalDataAdmin):
    access = staticmethod(attendances_for)
    list_display = ["pk", "setting", "attended_on", "source"]
