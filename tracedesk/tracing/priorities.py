"""How urgent a contact is: the priority and deadline of the task to reach them.

- Household contacts and contacts at vulnerable settings (care homes, healthcare,
  schools) come first (priority 1); other close contacts (direct, within 1 metre)
  next (2); the rest 3. A contact whose isolation ends within 3 days moves up one.
- The deadline is ``CONTACT_DEADLINE_HOURS`` after the contact was reported (the
  case interview), or sooner when half of the isolation left ends earlier — a
  call that comes after most of the isolation has passed prevents little — but
  never less than two hours away.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone

from tracedesk.cases.models import Contact, ContactType, Proximity
from tracedesk.places.models import SettingType

VULNERABLE_SETTINGS = frozenset({SettingType.CARE_HOME, SettingType.HEALTHCARE, SettingType.SCHOOL})
CLOSE = frozenset({Proximity.DIRECT, Proximity.WITHIN_1M})
MINIMUM_NOTICE = dt.timedelta(hours=2)
SOON_DAYS = 3


def isolation_end(contact: Contact) -> dt.date:
    """The last day of the contact's isolation."""
    return contact.last_exposure_date + dt.timedelta(days=settings.ISOLATION_DAYS)


def contact_priority(contact: Contact, *, now: dt.datetime) -> int:
    """1 (most urgent) to 3, from the kind of exposure and the isolation left."""
    setting_type = contact.setting.setting_type if contact.setting is not None else ""
    if contact.contact_type == ContactType.HOUSEHOLD or setting_type in VULNERABLE_SETTINGS:
        priority = 1
    elif contact.proximity in CLOSE:
        priority = 2
    else:
        priority = 3
    days_left = (isolation_end(contact) - timezone.localdate(now)).days
    if days_left <= SOON_DAYS:
        priority = max(1, priority - 1)
    return priority


def contact_deadline(contact: Contact, *, reported_at: dt.datetime) -> dt.datetime:
    """When the contact must have been reached."""
    standard = reported_at + dt.timedelta(hours=settings.CONTACT_DEADLINE_HOURS)
    end = dt.datetime.combine(
        isolation_end(contact), dt.time.min, tzinfo=timezone.get_current_timezone()
    )
    sooner = reported_at + max((end - reported_at) / 2, MINIMUM_NOTICE)
    return min(standard, sooner)
