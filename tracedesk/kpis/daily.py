"""First KPIs: cases and contacts per day, counted in the database, never row by row."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count
from django.db.models.functions import TruncDate
from django.utils import timezone

from tracedesk.accounts.roles import Right, require
from tracedesk.accounts.scope import scope_ids
from tracedesk.cases.models import Case, Contact


@dataclass(frozen=True)
class DayCount:
    day: dt.date
    cases: int
    contacts: int


def daily_counts(user: object, *, days: int = 28, today: dt.date | None = None) -> list[DayCount]:
    """Return cases transferred to tracing and contacts identified per day in scope.

    A case counts on the day it was created (its result reached tracing); a
    contact on the day a case named them. Days with none are included as zero.
    """
    require(user, Right.VIEW_STATISTICS)
    ids = scope_ids(user)
    last = today or timezone.localdate()
    first = last - dt.timedelta(days=days - 1)
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(first, dt.time.min, tzinfo=tz)
    cases = dict(
        Case.objects.filter(jurisdiction_id__in=ids, created_at__gte=start)
        .annotate(day=TruncDate("created_at", tzinfo=tz))
        .values("day")
        .annotate(n=Count("id"))
        .values_list("day", "n")
    )
    contacts = dict(
        Contact.objects.filter(jurisdiction_id__in=ids, reported_at__gte=start)
        .annotate(day=TruncDate("reported_at", tzinfo=tz))
        .values("day")
        .annotate(n=Count("id"))
        .values_list("day", "n")
    )
    return [
        DayCount(day=day, cases=cases.get(day, 0), contacts=contacts.get(day, 0))
        for day in (first + dt.timedelta(days=offset) for offset in range(days))
    ]
