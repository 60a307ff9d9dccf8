"""Writes to settings and attendances: each atomic and audited."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from tracedesk.audit.actions import record_event
from tracedesk.audit.models import Action
from tracedesk.cases.models import Case
from tracedesk.geography.models import Jurisdiction
from tracedesk.people.models import Address
from tracedesk.places.models import Attendance, Setting


@transaction.atomic
def register_setting(
    *,
    name: str,
    setting_type: str,
    jurisdiction: Jurisdiction,
    address_line1: str = "",
    town: str = "",
    postcode: str = "",
    external_ref: str,
    actor: object,
    source: str,
) -> tuple[Setting, bool]:
    """Return the setting with this external reference, creating it if new."""
    if external_ref:
        existing = Setting.objects.filter(external_ref=external_ref).first()
        if existing:
            return existing, False
    address = None
    if address_line1 or postcode:
        address = Address(
            line1=address_line1, town=town, postcode=postcode, jurisdiction=jurisdiction
        )
        address.full_clean()
        address.save()
    setting = Setting(
        name=name,
        setting_type=setting_type,
        jurisdiction=jurisdiction,
        address=address,
        external_ref=external_ref,
    )
    setting.full_clean()
    setting.save()
    record_event(actor, Action.CREATE, setting, purpose="setting registered", source=source)
    return setting, True


@transaction.atomic
def record_case_attendance(
    case: Case,
    setting: Setting,
    attended_on: dt.date,
    *,
    source_kind: str,
    actor: object,
    source: str,
) -> tuple[Attendance, bool]:
    """Record that a case was at a setting on a day (once per case, setting and day)."""
    existing = Attendance.objects.filter(
        case=case, setting=setting, attended_on=attended_on
    ).first()
    if existing:
        return existing, False
    attendance = Attendance.objects.create(
        setting=setting,
        person=case.person,
        case=case,
        jurisdiction=case.jurisdiction,
        attended_on=attended_on,
        source=source_kind,
    )
    record_event(actor, Action.CREATE, attendance, purpose="case interview", source=source)
    return attendance, True
