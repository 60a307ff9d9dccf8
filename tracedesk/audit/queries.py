"""Audit-trail queries: every event about a person's records, and keyset pages."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from tracedesk.audit.actions import listing_any
from tracedesk.audit.models import AuditEvent
from tracedesk.people.models import Person

PAGE_SIZE = 100


def records_of(person_id: int) -> dict[str, list[int]]:
    """Return, per ``app_label.model``, the ids of the records about one person."""
    from tracedesk.cases.models import Case, Contact
    from tracedesk.followup.models import FollowUp
    from tracedesk.ingest.models import TestResult
    from tracedesk.linkage.models import MatchReview
    from tracedesk.places.models import Attendance
    from tracedesk.tracing.models import TracingTask

    cases = list(Case.objects.filter(person_id=person_id).values_list("pk", flat=True))
    contacts = list(Contact.objects.filter(person_id=person_id).values_list("pk", flat=True))
    return {
        "people.person": [person_id],
        "cases.case": cases,
        "cases.contact": contacts,
        "ingest.testresult": list(
            TestResult.objects.filter(person_id=person_id).values_list("pk", flat=True)
        ),
        "places.attendance": list(
            Attendance.objects.filter(person_id=person_id).values_list("pk", flat=True)
        ),
        "tracing.tracingtask": list(
            TracingTask.objects.filter(
                Q(case_id__in=cases) | Q(contact_id__in=contacts)
            ).values_list("pk", flat=True)
        ),
        "followup.followup": list(
            FollowUp.objects.filter(contact_id__in=contacts).values_list("pk", flat=True)
        ),
        "linkage.matchreview": list(
            MatchReview.objects.filter(
                Q(person_id=person_id) | Q(candidate_id=person_id)
            ).values_list("pk", flat=True)
        ),
    }


def about_person(person_id: int) -> Q:
    """Return a filter for every event about a person or any record about them.

    Finds events naming one record and events listing many (a feed's chunk, a page
    of search results). A person no longer stored still matches their own events.
    The matching ids are fetched first, one indexed query per kind of record, so that
    paging through them never scans the whole trail.
    """
    records = (
        records_of(person_id)
        if Person.objects.filter(pk=person_id).exists()
        else {"people.person": [person_id]}
    )
    found: set[int] = set()
    for label, ids in records.items():
        for chunk in range(0, len(ids), 500):
            part = ids[chunk : chunk + 500]
            # Two queries, each served by its own index: one-record events by
            # (object_type, object_id), bulk events by the GIN index on PostgreSQL.
            found.update(
                AuditEvent.objects.filter(
                    object_type=label, object_id__in=[str(pk) for pk in part]
                ).values_list("pk", flat=True)
            )
            found.update(listing_any(label, part).values_list("pk", flat=True))
    return Q(pk__in=sorted(found))


@dataclass
class Page:
    events: list[AuditEvent]
    next_before: int | None


def keyset_page(events: QuerySet[AuditEvent], before: int | None) -> Page:
    """Return up to ``PAGE_SIZE`` events, newest first, older than the event ``before``.

    Keyset paging on the primary key: each page costs the same on a table of many
    millions, where OFFSET and COUNT(*) grow with the table.
    """
    if before is not None:
        events = events.filter(pk__lt=before)
    rows = list(events.order_by("-pk")[: PAGE_SIZE + 1])
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    return Page(rows, rows[-1].pk if more and rows else None)
