"""Read per-record KPI facts from the records themselves (cases, contacts, tasks, calls, results).

Where each fact comes from (docs/kpis.md explains it for readers):
- transferred to tracing: ``Case.created_at`` (the positive result reached tracing);
- a case reached: the earliest ``completed_at`` of its done "reach the case" task
  (``record_call_attempt`` with outcome "reached" sets it);
- a contact reached: the earliest ``completed_at`` of a done "reach the contact" task
  for the same person completed at or after the contact was named — a person named
  by two cases is called once, and reaching them reaches both contacts;
- the team and contractor: those of the tracer who reached the person (the reaching
  call attempt's tracer), else of the task's assignee; none while nobody holds it;
- test to result: the case's first positive result's ``result_at`` minus the case's
  ``first_specimen_at``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator

from django.db.models import Min, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from tracedesk.accounts.models import User
from tracedesk.cases.models import Case, Contact, ContactType
from tracedesk.ingest.models import Result, TestResult
from tracedesk.kpis.formulas import CaseFact, ContactFact, elapsed_seconds
from tracedesk.tracing.models import CallAttempt, Outcome, TaskKind, TaskStatus, TracingTask

CHUNK = 5000


def local_day(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment).date()


def day_start(day: dt.date) -> dt.datetime:
    """Local midnight at the start of ``day``, as an aware datetime."""
    tz = timezone.get_current_timezone()
    return dt.datetime.combine(day, dt.time.min).replace(tzinfo=tz)


def cases_in(start: dt.datetime, end: dt.datetime) -> QuerySet[Case]:
    return Case.objects.filter(created_at__gte=start, created_at__lt=end)


def contacts_in(start: dt.datetime, end: dt.datetime) -> QuerySet[Contact]:
    return Contact.objects.filter(case__created_at__gte=start, case__created_at__lt=end)


def _workers() -> dict[int, tuple[int | None, int | None]]:
    """Each user's (team, contractor): the tracer's own contractor, else the team's."""
    rows = User.objects.values_list(
        "pk", "team_id", "tracer_profile__contractor_id", "team__contractor_id"
    )
    return {pk: (team, own or teams) for pk, team, own, teams in rows}


def _handlers(task_ids: Iterable[int]) -> dict[int, int]:
    """The tracer answerable for each task: who reached the person, else its assignee."""
    ids = list(task_ids)
    out: dict[int, int] = {}
    for start in range(0, len(ids), CHUNK):
        part = ids[start : start + CHUNK]
        for task, assignee in TracingTask.objects.filter(pk__in=part).values_list(
            "pk", "assignee_id"
        ):
            if assignee is not None:
                out[task] = assignee
        reached = (
            CallAttempt.objects.filter(task_id__in=part, outcome=Outcome.REACHED)
            .order_by("task_id", "-started_at", "-pk")
            .values_list("task_id", "tracer_id")
        )
        for task, tracer in reached:
            out[task] = tracer  # the earliest reaching attempt is the last written
    return out


def case_facts(cases: QuerySet[Case]) -> Iterator[CaseFact]:
    """One fact per case of ``cases``."""
    done = TracingTask.objects.filter(
        case=OuterRef("pk"), kind=TaskKind.REACH_CASE, status=TaskStatus.DONE
    ).order_by("completed_at", "pk")
    latest = TracingTask.objects.filter(case=OuterRef("pk"), kind=TaskKind.REACH_CASE).order_by(
        "-created_at", "-pk"
    )
    rows = list(
        cases.annotate(
            reached_at=Subquery(done.values("completed_at")[:1]),
            reach_task=Subquery(done.values("pk")[:1]),
            latest_task=Subquery(latest.values("pk")[:1]),
        ).values_list(
            "pk",
            "created_at",
            "jurisdiction_id",
            "is_complex",
            "first_specimen_at",
            "reached_at",
            "reach_task",
            "latest_task",
        )
    )
    results = _first_results([row[0] for row in rows])
    handlers = _handlers({row[6] or row[7] for row in rows if row[6] or row[7]})
    workers = _workers()
    for pk, created, place, complex_, specimen, reached, task, latest_task in rows:
        tracer = handlers.get(task or latest_task or 0)
        team, contractor = workers.get(tracer or 0, (None, None))
        yield CaseFact(
            id=pk,
            day=local_day(created),
            jurisdiction_id=place,
            team_id=team,
            contractor_id=contractor,
            is_complex=complex_,
            reach_seconds=elapsed_seconds(created, reached),
            result_seconds=elapsed_seconds(specimen, results.get(pk)),
        )


def _first_results(case_ids: list[int]) -> dict[int, dt.datetime]:
    out: dict[int, dt.datetime] = {}
    for start in range(0, len(case_ids), CHUNK):
        part = case_ids[start : start + CHUNK]
        out.update(
            TestResult.objects.filter(case_id__in=part, result=Result.POSITIVE)
            .values("case_id")
            .annotate(first=Min("result_at"))
            .values_list("case_id", "first")
        )
    return out


def contact_facts(contacts: QuerySet[Contact]) -> Iterator[ContactFact]:
    """One fact per contact of ``contacts``."""
    done = TracingTask.objects.filter(
        kind=TaskKind.REACH_CONTACT,
        status=TaskStatus.DONE,
        contact__person=OuterRef("person"),
        completed_at__gte=OuterRef("reported_at"),
    ).order_by("completed_at", "pk")
    own = TracingTask.objects.filter(contact=OuterRef("pk"), kind=TaskKind.REACH_CONTACT).order_by(
        "-created_at", "-pk"
    )
    rows = list(
        contacts.annotate(
            reached_at=Subquery(done.values("completed_at")[:1]),
            reach_task=Subquery(done.values("pk")[:1]),
            own_task=Subquery(own.values("pk")[:1]),
        ).values_list(
            "pk",
            "case__created_at",
            "case__first_specimen_at",
            "jurisdiction_id",
            "case__is_complex",
            "contact_type",
            "reached_at",
            "reach_task",
            "own_task",
        )
    )
    handlers = _handlers({row[7] or row[8] for row in rows if row[7] or row[8]})
    workers = _workers()
    for pk, transferred, specimen, place, complex_, kind, reached, task, own_task in rows:
        tracer = handlers.get(task or own_task or 0)
        team, contractor = workers.get(tracer or 0, (None, None))
        yield ContactFact(
            id=pk,
            day=local_day(transferred),
            jurisdiction_id=place,
            team_id=team,
            contractor_id=contractor,
            is_complex=complex_,
            is_household=kind == ContactType.HOUSEHOLD,
            reach_seconds=elapsed_seconds(transferred, reached),
            e2e_seconds=elapsed_seconds(specimen, reached),
        )


def scoped(
    queryset: QuerySet[Case] | QuerySet[Contact], jurisdiction_ids: Iterable[int] | None
) -> QuerySet[Case] | QuerySet[Contact]:
    if jurisdiction_ids is None:
        return queryset
    return queryset.filter(Q(jurisdiction_id__in=list(jurisdiction_ids)))
