"""Applying the retention rules: anonymise what is due, purge what has passed its grace.

Irreversible, so the order and the guards matter:

1. Anonymise each ``Anonymise`` rule's due rows (cases first: their statistical record
   is written from the identifiable data before anything is blanked), marking each
   row in ``RetentionMark`` with the time.
2. Anonymise people all of whose records are anonymised or gone.
3. Purge rows whose grace period has passed, and ``Purge`` rules' due rows. A row is
   never deleted while a row that does not follow it still refers to it (that row
   waits for its own rule); rows that follow it are purged first.

Every step writes audit events in the same transaction: one per model and chunk,
listing the record ids and saying what was done, never a value. ``dry_run`` does
all the work inside a transaction and rolls it back, so the report counts exactly
what a real run would do.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Iterator
from zoneinfo import ZoneInfo

from django.apps import apps
from django.conf import settings
from django.db import models, transaction
from django.db.models import Exists, OuterRef, QuerySet, Value
from django.db.models.functions import Cast, Concat

from tracedesk.audit.actions import record_events
from tracedesk.audit.models import Action, AuditEvent
from tracedesk.privacy.classification import FIELDS, Level
from tracedesk.privacy.pseudonymise import age_band
from tracedesk.retention.models import CaseStatistic, RetentionMark
from tracedesk.retention.rules import BY_MODEL, RULES, Anonymise, Exempt, Purge, parents_of

CHUNK = 500
PERSON_RULE = next(
    rule for rule in RULES if isinstance(rule, Anonymise) and rule.model == "people.person"
)
SOURCE = "retention"
# Records that exist only to serve the matching of a person (keys, merges, reviews,
# proposals): they do not keep a person identifiable (anonymising the person blanks
# them) and are removed with the person.
SERVES_THE_PERSON = {
    "people.person", "people.personmerge", "linkage.blockingkey", "linkage.matchreview",
    "linkage.householdproposal", "linkage.matchdecision",
}  # fmt: skip


class Report(Counter[str]):
    """Counts per "model: anonymised/purged/kept" for the command and the worker's log."""

    def add(self, model: str, what: str, n: int) -> None:
        if n:
            self[f"{model}: {what}"] += n


def installed(label: str) -> type[models.Model] | None:
    try:
        return apps.get_model(label)
    except LookupError:
        return None


def chunks(ids: Iterable[int], size: int = CHUNK) -> Iterator[list[int]]:
    batch: list[int] = []
    for pk in ids:
        batch.append(pk)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def cutoff_filter(
    model: type[models.Model], clock: str, age: dt.timedelta, now: dt.datetime
) -> dict[str, object]:
    """Return the filter "clock is at least ``age`` before ``now``" (dates compared locally)."""
    if not clock:
        return {}
    target = model
    for part in clock.split("__")[:-1]:
        target = target._meta.get_field(part).related_model  # type: ignore[assignment]
    field = target._meta.get_field(clock.split("__")[-1])
    moment = now - age
    if isinstance(field, models.DateTimeField):
        return {f"{clock}__lte": moment}
    return {f"{clock}__lte": moment.astimezone(ZoneInfo(settings.TIME_ZONE)).date()}


def reverse_relations(model: type[models.Model]) -> list[models.ForeignObjectRel]:
    """Every foreign key pointing at ``model``, including those with no reverse name ("+")."""
    return [
        field
        for field in model._meta.get_fields(include_hidden=True)
        if isinstance(field, models.ForeignObjectRel)
        and not field.many_to_many
        and (field.one_to_many or field.one_to_one)
    ]


def marked(label: str) -> QuerySet[RetentionMark]:
    return RetentionMark.objects.filter(model=label)


def has_mark(model: type[models.Model]) -> Exists:
    return Exists(
        RetentionMark.objects.filter(model=model._meta.label_lower, object_id=OuterRef("pk"))
    )


def _audit(model: type[models.Model], action: Action, ids: list[int], purpose: str) -> None:
    record_events(None, action, model, ids, purpose=purpose, source=SOURCE)


# --- Anonymising ------------------------------------------------------------------


def due_for_anonymisation(rule: Anonymise, now: dt.datetime) -> QuerySet[models.Model]:
    model = apps.get_model(rule.model)
    age = rule.after
    if rule.clock_plus_setting:
        age += dt.timedelta(days=int(getattr(settings, rule.clock_plus_setting)))
    return (
        model._default_manager.filter(rule.only, **cutoff_filter(model, rule.clock, age, now))
        .exclude(has_mark(model))
        .order_by("pk")
    )


def blank_personal_fields(model: type[models.Model], ids: list[int]) -> list[str]:
    """Blank every personal field of the rows that can be blanked; return their names.

    Driven by the classification: a personal field becomes its default, else null, else
    empty text. Required links (a contact's person) stay: the person is anonymised instead.
    """
    values: dict[str, object] = {}
    for name, level in FIELDS[model._meta.label_lower].items():
        if level != Level.PERSONAL:
            continue
        field = model._meta.get_field(name)
        if not isinstance(field, models.Field) or field.primary_key or field.many_to_many:
            continue
        if field.has_default():
            values[name] = field.get_default()
        elif field.null:
            values[name] = None
        elif isinstance(field, models.CharField | models.TextField):
            values[name] = ""
    model._default_manager.filter(pk__in=ids).update(**values)
    return sorted(values)


def _anonymise_case(ids: list[int]) -> None:
    from tracedesk.cases.models import Case
    from tracedesk.ingest.models import TestResult

    zone = ZoneInfo(settings.TIME_ZONE)
    cases = (
        Case.objects.filter(pk__in=ids)
        .select_related("person")
        .annotate(named=models.Count("contacts"))
    )
    statistics = []
    for case in cases:
        specimen_day = case.first_specimen_at.astimezone(zone).date()
        statistics.append(
            CaseStatistic(
                jurisdiction_id=case.jurisdiction_id,
                specimen_week=specimen_day - dt.timedelta(days=specimen_day.weekday()),
                age_band=age_band(case.person.date_of_birth, specimen_day),
                sex=case.person.sex,
                status=case.status,
                is_complex=case.is_complex,
                contacts=case.named,
            )
        )
    CaseStatistic.objects.bulk_create(statistics)
    results = list(TestResult.objects.filter(case_id__in=ids).values_list("pk", flat=True))
    _anonymise_results(results)
    _mark("ingest.testresult", results)
    _blank_task_notes(case_ids=ids)


def _anonymise_results(ids: list[int]) -> None:
    from tracedesk.ingest.models import TestResult

    # The specimen id is part of the natural key: keep it unique, drop what it was.
    TestResult.objects.filter(pk__in=ids).update(
        specimen_id=Concat(Value("anonymised-"), Cast("pk", models.CharField())), person=None
    )


def _blank_task_notes(
    *, case_ids: list[int] | None = None, contact_ids: list[int] | None = None
) -> None:
    from tracedesk.tracing.models import CallAttempt

    CallAttempt.objects.filter(
        models.Q(task__case_id__in=case_ids or [])
        | models.Q(task__contact_id__in=contact_ids or [])
    ).update(notes="", callback_at=None)


def _anonymise_contact(ids: list[int]) -> None:
    from tracedesk.followup.models import FollowUp

    FollowUp.objects.filter(contact_id__in=ids).update(symptoms=[])
    _blank_task_notes(contact_ids=ids)


def _anonymise_rejection(ids: list[int]) -> None:
    from tracedesk.ingest.models import RejectedRecord

    RejectedRecord.objects.filter(pk__in=ids).update(
        raw="", fields={}, reason="removed by retention"
    )


def _anonymise_review(ids: list[int]) -> None:
    from tracedesk.linkage.models import MatchReview

    MatchReview.objects.filter(pk__in=ids).update(explanation={})


def _anonymise_person(ids: list[int]) -> None:
    from tracedesk.linkage.models import BlockingKey, MatchReview
    from tracedesk.people.models import Person, PersonMerge

    blank_personal_fields(Person, ids)
    BlockingKey.objects.filter(person_id__in=ids).delete()
    MatchReview.objects.filter(models.Q(person_id__in=ids) | models.Q(candidate_id__in=ids)).update(
        explanation={}
    )
    decisions = installed("linkage.matchdecision")
    if decisions is not None:
        decisions._default_manager.filter(
            models.Q(person_id__in=ids) | models.Q(chosen_id__in=ids)
        ).update(explanation={})
    PersonMerge.objects.filter(
        models.Q(survivor_id__in=ids) | models.Q(duplicate_id__in=ids)
    ).update(reason="removed by retention", evidence={})


ANONYMISERS = {
    "cases.case": _anonymise_case,
    "cases.contact": _anonymise_contact,
    "ingest.testresult": _anonymise_results,
    "ingest.rejectedrecord": _anonymise_rejection,
    "linkage.matchreview": _anonymise_review,
    "people.person": _anonymise_person,
}


def _mark(label: str, ids: list[int], now: dt.datetime | None = None) -> None:
    known = set(marked(label).filter(object_id__in=ids).values_list("object_id", flat=True))
    RetentionMark.objects.bulk_create(
        RetentionMark(model=label, object_id=pk, **({"anonymised_at": now} if now else {}))
        for pk in ids
        if pk not in known
    )


def anonymise(rule: Anonymise, ids: list[int], now: dt.datetime, report: Report) -> None:
    model = apps.get_model(rule.model)
    for chunk in chunks(ids):
        ANONYMISERS[rule.model](chunk)
        _mark(rule.model, chunk, now)
        _audit(model, Action.UPDATE, chunk, f"retention: anonymised ({rule.model} rule)")
        report.add(rule.model, "anonymised", len(chunk))


def people_due(now: dt.datetime) -> QuerySet[models.Model]:
    """People not yet anonymised, 21+ days old, whose records are all anonymised or gone."""
    from tracedesk.people.models import Person

    rule = PERSON_RULE
    people = Person.objects.filter(**cutoff_filter(Person, rule.clock, rule.after, now)).exclude(
        has_mark(Person)
    )
    for relation in reverse_relations(Person):
        child = relation.related_model
        label = child._meta.label_lower
        if relation.many_to_many or label in SERVES_THE_PERSON:
            continue
        if "people.person" in parents_of(label) and not isinstance(
            BY_MODEL.get(label), Anonymise | Purge
        ):
            continue  # derived from the person (keys, merges, proposals): removed with them
        live = child._default_manager.filter(**{relation.field.name: OuterRef("pk")}).exclude(
            has_mark(child)
        )
        people = people.exclude(Exists(live))
    return people.order_by("pk")


# --- Purging ----------------------------------------------------------------------


def purge(
    label: str, ids: Iterable[int], report: Report, *, purpose: str, depth: int = 0
) -> set[int]:
    """Delete rows of ``label`` and, first, the rows that follow them; return the ids deleted.

    A row still referred to by a row that does not follow it is kept (counted as kept).
    """
    if depth > 8:
        raise RuntimeError(f"retention: followers of {label} nest too deep (a cycle in RULES?)")
    model = apps.get_model(label)
    deleted: set[int] = set()
    for chunk in chunks(sorted(set(ids))):
        blocked: set[int] = set()
        for relation in reverse_relations(model):
            if relation.many_to_many:
                continue
            child = relation.related_model
            child_label = child._meta.label_lower
            fk = relation.field
            refs = child._default_manager.filter(**{f"{fk.name}__in": chunk})
            if label in parents_of(child_label):
                purge(
                    child_label,
                    refs.values_list("pk", flat=True),
                    report,
                    purpose=f"retention: purged with its {label}",
                    depth=depth + 1,
                )
            elif relation.on_delete in (models.CASCADE, models.SET_NULL, models.SET_DEFAULT):
                continue  # the database handles these
            blocked.update(refs.values_list(fk.attname, flat=True))
        doomed = [pk for pk in chunk if pk not in blocked]
        report.add(label, "kept: still referred to", len(chunk) - len(doomed))
        if not doomed:
            continue
        model._default_manager.filter(pk__in=doomed).delete()
        marked(label).filter(object_id__in=doomed).delete()
        _audit(model, Action.DELETE, doomed, purpose)
        report.add(label, "purged", len(doomed))
        deleted.update(doomed)
    return deleted


def purge_audit_events(rule: Purge, now: dt.datetime, report: Report) -> None:
    """Delete audit events past their own clock, recorded as one event holding the count."""
    old = AuditEvent.objects.filter(**cutoff_filter(AuditEvent, rule.clock, rule.after, now))
    count, _ = old.delete()
    if count:
        AuditEvent.objects.create(
            action=Action.DELETE, object_type="audit.auditevent", source=SOURCE,
            purpose=f"retention: purged {count} audit events older than {rule.after.days} days",
        )  # fmt: skip
        report.add(rule.model, "purged", count)


# --- The run ----------------------------------------------------------------------


def run(now: dt.datetime, *, dry_run: bool) -> Report:
    """Apply every rule once at ``now``; with ``dry_run`` nothing is kept. Idempotent."""
    report = Report()
    with transaction.atomic():
        _apply(now, report)
        if dry_run:
            transaction.set_rollback(True)
    return report


def _apply(now: dt.datetime, report: Report) -> None:
    for rule in RULES:
        if isinstance(rule, Anonymise) and rule.model != "people.person" and installed(rule.model):
            ids = list(due_for_anonymisation(rule, now).values_list("pk", flat=True))
            anonymise(rule, ids, now, report)
    anonymise(PERSON_RULE, list(people_due(now).values_list("pk", flat=True)), now, report)
    for rule in RULES:
        if isinstance(rule, Anonymise) and rule.grace is not None and installed(rule.model):
            expired = marked(rule.model).filter(anonymised_at__lte=now - rule.grace)
            purge(
                rule.model,
                expired.values_list("object_id", flat=True),
                report,
                purpose="retention: purged after its grace period",
            )
    for rule in RULES:
        if not isinstance(rule, Purge) or installed(rule.model) is None:
            continue
        if rule.model == "audit.auditevent":
            purge_audit_events(rule, now, report)
            continue
        model = apps.get_model(rule.model)
        due = model._default_manager.filter(
            rule.only, **cutoff_filter(model, rule.clock, rule.after, now)
        )
        purge(
            rule.model,
            due.values_list("pk", flat=True),
            report,
            purpose=f"retention: purged ({rule.model} rule)",
        )


def exempt_models() -> list[str]:
    return [rule.model for rule in RULES if isinstance(rule, Exempt)]
