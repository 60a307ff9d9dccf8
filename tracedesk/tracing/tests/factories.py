"""Quick synthetic cases and their tasks for queue tests (no personal values that matter)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from tracedesk.accounts.models import TracerProfile, User
from tracedesk.accounts.roles import Role
from tracedesk.cases.models import Case
from tracedesk.geography.models import Jurisdiction
from tracedesk.people.models import Person
from tracedesk.testing.world import make_user
from tracedesk.tracing.actions import create_case_tasks
from tracedesk.tracing.models import TracingTask


@transaction.atomic
def case_tasks(
    jurisdiction: Jurisdiction,
    count: int,
    *,
    due_by: dt.datetime | None = None,
    language: str = "en",
    tag: str = "Q",
) -> list[TracingTask]:
    """``count`` new cases in ``jurisdiction``, each with its open "reach the case" task."""
    now = timezone.now()
    people = Person.objects.bulk_create(
        Person(first_name=f"{tag}{i}", last_name="Queue", jurisdiction=jurisdiction,
               preferred_language=language)
        for i in range(count)
    )  # fmt: skip
    cases = Case.objects.bulk_create(
        Case(person=p, jurisdiction=jurisdiction, first_specimen_at=now, latest_specimen_at=now)
        for p in people
    )
    ids = create_case_tasks(
        [c.pk for c in cases], due_by=due_by or now + dt.timedelta(hours=24), actor=None,
        source="tests",
    )  # fmt: skip
    return list(TracingTask.objects.filter(pk__in=ids.values()).order_by("pk"))


def tracers(jurisdiction: Jurisdiction, count: int, *, prefix: str = "t") -> list[User]:
    """``count`` tracers scoped to ``jurisdiction``, speaking English."""
    made = []
    for i in range(count):
        user = make_user(f"{prefix}{i}", Role.TRACER, jurisdiction)
        TracerProfile.objects.create(user=user, languages=["en"])
        made.append(user)
    return made
