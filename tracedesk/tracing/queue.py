"""Which tasks a tracer may take from the queue: the filter behind "next".

A tracer may take an open task that is available now (``available_from`` empty
or past), in one of their jurisdictions (their scope), in a language they speak
(their tracer profile; English when they have none), whose required skills they
all hold. The order is priority (1 first), then deadline, then age (id).
"""

from __future__ import annotations

import datetime as dt
import json

from django.db import connection
from django.db.models import BooleanField, Q, QuerySet
from django.db.models.expressions import RawSQL

from tracedesk.accounts.models import TracerProfile, User
from tracedesk.accounts.scope import scope_ids
from tracedesk.bulk import among
from tracedesk.tracing.models import TaskStatus, TracingTask

QUEUE_ORDER = ("priority", "due_by", "pk")


def capabilities(tracer: User) -> tuple[list[str], list[str]]:
    """The tracer's languages and skills (English and none without a profile)."""
    try:
        profile = tracer.tracer_profile
    except TracerProfile.DoesNotExist:
        return ["en"], []
    return list(profile.languages) or ["en"], list(profile.skills)


def skills_held(skills: list[str]) -> RawSQL:
    """A condition: the task requires no skill outside ``skills``."""
    column = f'{connection.ops.quote_name(TracingTask._meta.db_table)}."required_skills"'
    if connection.vendor == "postgresql":
        return RawSQL(  # noqa: S611  (quoted names, values as parameters)
            f"{column} <@ %s::jsonb", [json.dumps(sorted(skills))], output_field=BooleanField()
        )
    if not skills:
        return RawSQL(f"json_array_length({column}) = 0", [], output_field=BooleanField())  # noqa: S611
    marks = ", ".join(["%s"] * len(skills))
    return RawSQL(  # noqa: S611  (quoted names, values as parameters)
        f"NOT EXISTS (SELECT 1 FROM json_each({column}) "  # noqa: S608  (quoted names)
        f"WHERE json_each.value NOT IN ({marks}))",
        list(skills),
        output_field=BooleanField(),
    )


def eligible_tasks(tracer: User, *, now: dt.datetime) -> QuerySet[TracingTask]:
    """The open tasks the tracer may take at ``now`` (unordered)."""
    languages, skills = capabilities(tracer)
    return (
        TracingTask.objects.filter(status=TaskStatus.OPEN)
        .filter(among(TracingTask, "jurisdiction", sorted(scope_ids(tracer))))
        .filter(Q(available_from__isnull=True) | Q(available_from__lte=now))
        .filter(language__in=languages)
        .filter(skills_held(skills))
    )
