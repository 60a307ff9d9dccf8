"""Writes to tracing tasks: each atomic and audited."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from tracedesk.accounts.models import User
from tracedesk.accounts.roles import Right, has_right
from tracedesk.accounts.scope import scope_ids
from tracedesk.audit.actions import record_event, record_events
from tracedesk.audit.models import Action
from tracedesk.bulk import among, insert_rows
from tracedesk.cases.exposure import Exposure
from tracedesk.cases.models import Case, Contact
from tracedesk.people.details import PersonDetails
from tracedesk.people.models import Person
from tracedesk.places.models import Setting
from tracedesk.tracing.models import (
    TARGET_FIELD,
    CallAttempt,
    Escalation,
    Interview,
    Outcome,
    TaskKind,
    TaskStatus,
    TracerState,
    TracerStateChange,
    TracingTask,
)
from tracedesk.tracing.priorities import contact_deadline, contact_priority
from tracedesk.tracing.queue import QUEUE_ORDER, eligible_tasks

ACTIVE = [TaskStatus.OPEN, TaskStatus.CLAIMED]


@transaction.atomic
def create_case_tasks(
    case_ids: Iterable[int],
    *,
    due_by: dt.datetime,
    created_at: dt.datetime | None = None,
    actor: object,
    source: str,
) -> dict[int, int]:
    """Create the task "reach this case" for each case that has no active one.

    Returns each case's active task id (the new one, or the one it already had).
    Set-based: three statements and one audit event for any number of cases.
    """
    cases = set(case_ids)
    tasks = dict(
        TracingTask.objects.filter(
            among(TracingTask, "case", cases), kind=TaskKind.REACH_CASE, status__in=ACTIVE
        ).values_list("case_id", "pk")
    )
    wanted = (
        Case.objects.filter(among(Case, "id", cases - tasks.keys()))
        .order_by("pk")
        .values_list("pk", "jurisdiction_id", "is_complex", "person__preferred_language")
    )
    now = created_at or timezone.now()
    rows: list[tuple[object, ...]] = [
        (TaskKind.REACH_CASE, case, place, 2 if complex_ else 3, due_by, TaskStatus.OPEN,
         language, ["complex"] if complex_ else [], now)
        for case, place, complex_, language in wanted
    ]  # fmt: skip
    ids = insert_rows(
        TracingTask,
        [*("kind", "case", "jurisdiction", "priority", "due_by", "status", "language"),
         *("required_skills", "created_at")],
        rows,
    )  # fmt: skip
    record_events(actor, Action.CREATE, TracingTask, ids, purpose="reach a new case", source=source)
    tasks.update(zip((int(row[1]) for row in rows), ids, strict=True))  # type: ignore[call-overload]
    return tasks


def create_case_task(
    case: Case,
    *,
    due_by: dt.datetime,
    created_at: dt.datetime | None = None,
    actor: object,
    source: str,
) -> TracingTask:
    """Create the task "reach this case" unless the case already has an active one."""
    tasks = create_case_tasks(
        [case.pk], due_by=due_by, created_at=created_at, actor=actor, source=source
    )
    return TracingTask.objects.get(pk=tasks[case.pk])


@transaction.atomic
def create_contact_task(
    contact: Contact,
    *,
    due_by: dt.datetime | None = None,
    created_at: dt.datetime | None = None,
    actor: object,
    source: str,
) -> TracingTask | None:
    """Create the task "reach this contact", unless the person is already being reached.

    A person named by two cases is called once: the second contact rides on the
    first one's active task, or on a completed one when the person was reached
    on or after this exposure (their advice already covers it); None is returned
    and the link is audited. The priority and, when ``due_by`` is not given, the
    deadline follow ``tracing.priorities`` (household and vulnerable settings
    first; the sooner the isolation window ends, the sooner).
    """
    now = created_at or timezone.now()
    own = TracingTask.objects.filter(
        kind=TaskKind.REACH_CONTACT, contact=contact, status__in=ACTIVE
    ).first()
    if own is not None:
        return own
    same_person = TracingTask.objects.filter(
        kind=TaskKind.REACH_CONTACT, contact__person=contact.person
    ).exclude(contact=contact)
    covering = same_person.filter(status__in=ACTIVE).first() or (
        same_person.filter(
            status=TaskStatus.DONE, completed_at__date__gte=contact.last_exposure_date
        )
        .order_by("-completed_at")
        .first()
    )
    if covering is not None:
        record_event(
            actor,
            Action.UPDATE,
            contact,
            purpose=f"contact linked to task {covering.pk}: already being reached",
            source=source,
        )
        return None
    task = TracingTask.objects.create(
        kind=TaskKind.REACH_CONTACT,
        contact=contact,
        case=contact.case,
        jurisdiction=contact.jurisdiction,
        priority=contact_priority(contact, now=now),
        due_by=due_by or contact_deadline(contact, reported_at=now),
        language=contact.person.preferred_language,
        created_at=now,
    )
    record_event(actor, Action.CREATE, task, purpose="reach a new contact", source=source)
    return task


@transaction.atomic
def record_call_attempt(
    task: TracingTask,
    *,
    tracer: User,
    outcome: str,
    started_at: dt.datetime,
    ended_at: dt.datetime,
    callback_at: dt.datetime | None = None,
    language: str = "",
    notes: str = "",
    source: str,
) -> CallAttempt:
    """Record one attempt on a task and move the task on (docs/tracing.md, "Outcomes").

    - reached: the task is done;
    - callback requested: back to the queue, offered again at ``callback_at``;
    - no answer, voicemail: back to the queue after the retry wait, or escalated
      (``settings.TRACING_ESCALATE_TO``) once the attempts or the window run out;
    - wrong number: escalated to a field visit; refused: to the health protection team;
    - interpreter needed: back to the queue now, for a tracer speaking ``language``.

    The tracer enters wrap-up when the call ends.
    """
    task = TracingTask.objects.select_for_update().get(pk=task.pk)
    if task.status not in ACTIVE:
        raise ValidationError({"task": f"task {task.pk} is {task.get_status_display().lower()}"})
    if task.status == TaskStatus.CLAIMED and task.assignee_id not in (None, tracer.pk):
        raise ValidationError({"task": f"task {task.pk} is held by another tracer"})
    if outcome == Outcome.INTERPRETER and language:
        from tracedesk.lib.languages import is_language_code

        if not is_language_code(language):
            raise ValidationError({"language": f"task {task.pk}: {language!r} is not ISO 639-1"})
    attempt = CallAttempt(
        task=task,
        tracer=tracer,
        outcome=outcome,
        started_at=started_at,
        ended_at=ended_at,
        callback_at=callback_at,
        notes=notes,
    )
    attempt.full_clean()
    attempt.save()
    record_event(tracer, Action.CREATE, attempt, purpose="call attempt", source=source)
    if outcome == Outcome.REACHED:
        _finish(task, TaskStatus.DONE, at=ended_at, actor=tracer, source=source,
                purpose="person reached")  # fmt: skip
    elif outcome == Outcome.WRONG_NUMBER:
        _escalate(task, Escalation.FIELD_VISIT, at=ended_at, actor=tracer, source=source,
                  purpose="wrong number: field visit")  # fmt: skip
    elif outcome == Outcome.REFUSED:
        _escalate(task, Escalation.HEALTH_PROTECTION, at=ended_at, actor=tracer, source=source,
                  purpose="refused: health protection team")  # fmt: skip
    elif outcome == Outcome.CALLBACK:
        _release(task, available_from=callback_at, actor=tracer, source=source,
                 purpose="callback requested")  # fmt: skip
    elif outcome == Outcome.INTERPRETER:
        if language:
            task.language = language
        _release(task, available_from=None, actor=tracer, source=source,
                 purpose="interpreter needed", extra=["language"] if language else [])  # fmt: skip
    else:
        wait = retry_wait(task, ended_at=ended_at)
        if wait is None:
            _escalate(task, Escalation(settings.TRACING_ESCALATE_TO), at=ended_at, actor=tracer,
                      source=source, purpose="attempts exhausted")  # fmt: skip
        else:
            _release(task, available_from=ended_at + wait, actor=tracer, source=source,
                     purpose="not reached: retry")  # fmt: skip
    _state_after_call(tracer, ended_at=ended_at, source=source)
    return attempt


def retry_wait(task: TracingTask, *, ended_at: dt.datetime) -> dt.timedelta | None:
    """The wait before the next attempt, or None when the task must be escalated.

    The n-th unanswered attempt waits ``TRACING_FIRST_RETRY_MINUTES`` * 2^(n-1), at
    most ``TRACING_LONGEST_RETRY_MINUTES``; the attempts stop at
    ``TRACING_MAX_ATTEMPTS`` or when the next one would fall after
    ``TRACING_RETRY_WINDOW_HOURS`` from the first.
    """
    unanswered = task.attempts.filter(outcome__in=[Outcome.NO_ANSWER, Outcome.VOICEMAIL])
    count = task.attempts.count()
    if count >= settings.TRACING_MAX_ATTEMPTS:
        return None
    first = task.attempts.order_by("started_at").values_list("started_at", flat=True).first()
    n = max(unanswered.count(), 1)
    minutes = min(
        settings.TRACING_FIRST_RETRY_MINUTES * 2 ** min(n - 1, 20),
        settings.TRACING_LONGEST_RETRY_MINUTES,
    )
    wait = dt.timedelta(minutes=minutes)
    window_end = (first or ended_at) + dt.timedelta(hours=settings.TRACING_RETRY_WINDOW_HOURS)
    if ended_at + wait > window_end:
        return None
    return wait


def _finish(
    task: TracingTask, status: str, *, at: dt.datetime, actor: object, source: str, purpose: str
) -> None:
    task.status = status
    task.completed_at = at
    task.save(update_fields=["status", "completed_at"])
    record_event(actor, Action.UPDATE, task, purpose=purpose, source=source,
                 fields=["status", "completed_at"])  # fmt: skip


def _escalate(
    task: TracingTask, to: str, *, at: dt.datetime, actor: object, source: str, purpose: str
) -> None:
    task.status = TaskStatus.ESCALATED
    task.escalation = to
    task.completed_at = at
    task.save(update_fields=["status", "escalation", "completed_at"])
    record_event(actor, Action.UPDATE, task, purpose=purpose, source=source,
                 fields=["status", "escalation", "completed_at"])  # fmt: skip


def _release(
    task: TracingTask,
    *,
    available_from: dt.datetime | None,
    actor: object,
    source: str,
    purpose: str,
    extra: list[str] | None = None,
) -> None:
    task.status = TaskStatus.OPEN
    task.assignee = None
    task.claimed_at = None
    task.available_from = available_from
    fields = ["status", "assignee", "claimed_at", "available_from", *(extra or [])]
    task.save(update_fields=fields)
    record_event(actor, Action.UPDATE, task, purpose=purpose, source=source, fields=fields)


def _state_after_call(tracer: User, *, ended_at: dt.datetime, source: str) -> None:
    """Wrap-up starts when the call ends (never before the tracer's latest state)."""
    latest = (
        TracerStateChange.objects.filter(user=tracer).order_by("-at").values_list("at", flat=True)
    ).first()
    if latest is None or ended_at >= latest:
        set_tracer_state(tracer, TracerState.WRAP_UP, at=ended_at, source=source)


@transaction.atomic
def claim_task(task: TracingTask, *, tracer: User, source: str) -> TracingTask:
    """Give one named waiting task to a tracer (the queue's "next" picks it instead)."""
    now = timezone.now()
    updated = TracingTask.objects.filter(pk=task.pk, status=TaskStatus.OPEN).update(
        status=TaskStatus.CLAIMED, assignee=tracer, claimed_at=now
    )
    if not updated:
        raise ValidationError({"task": f"task {task.pk} is no longer waiting"})
    task.refresh_from_db()
    record_event(tracer, Action.UPDATE, task, purpose="task claimed", source=source,
                 fields=["status", "assignee", "claimed_at"])  # fmt: skip
    set_tracer_state(tracer, TracerState.ON_CALL, at=now, source=source)
    return task


# --- The queue -------------------------------------------------------------------


def next_task(tracer: User, *, now: dt.datetime | None = None, source: str) -> TracingTask | None:
    """Give the tracer the most urgent task they may take, claimed for them alone.

    A task the tracer already holds (assigned by a supervisor, or taken and not
    yet finished) comes first. Otherwise the first open task, by priority then
    deadline, in the tracer's jurisdictions, languages and skills, that is
    available now, is claimed by one statement, ``UPDATE ... WHERE id = (the
    queue query) RETURNING``: PostgreSQL's queue query locks its row with ``FOR
    UPDATE SKIP LOCKED``, so concurrent tracers pass over each other's rows and
    the row it returns is still open; SQLite's transactions take the write lock
    at BEGIN (``transaction_mode=IMMEDIATE``), so the statement runs one tracer
    at a time. The update is conditional on the task still being open on every
    database. No task: the tracer is "available" and None is returned.

    One press is at most eight statements (docs/tracing.md, "What one press costs").
    """
    if not has_right(tracer, Right.WORK_TASKS):
        raise ValidationError({"tracer": f"user {tracer.pk} does not work tracing tasks"})
    now = now or timezone.now()
    with transaction.atomic():
        held = (
            TracingTask.objects.filter(assignee=tracer, status=TaskStatus.CLAIMED)
            .exclude(available_from__gt=now)
            .order_by("priority", "due_by", "pk")
            .first()
        )
        if held is not None:
            _record_state(tracer, TracerState.ON_CALL, at=now, source=source)
            return held
        task = _claim_first(eligible_tasks(tracer, now=now), tracer=tracer, now=now)
        if task is None:
            _record_state(tracer, TracerState.AVAILABLE, at=now, source=source)
            return None
        record_event(tracer, Action.UPDATE, task, purpose="next task", source=source,
                     fields=["status", "assignee", "claimed_at"])  # fmt: skip
        _record_state(tracer, TracerState.ON_CALL, at=now, source=source)
        return task


def _claim_first(
    eligible: QuerySet[TracingTask], *, tracer: User, now: dt.datetime
) -> TracingTask | None:
    """Claim the first of ``eligible`` in queue order in one statement; None if none is left."""
    first = eligible.order_by(*QUEUE_ORDER).values("pk")[:1]
    if connection.features.has_select_for_update_skip_locked:
        first = first.select_for_update(skip_locked=True)
    queue_sql, queue_params = first.query.sql_with_params()
    quote = connection.ops.quote_name
    opts = TracingTask._meta
    columns = ", ".join(quote(str(f.column)) for f in opts.concrete_fields)
    ops = connection.ops
    sql = (
        f"UPDATE {quote(opts.db_table)} SET {quote('status')} = %s, "  # noqa: S608  (quoted names)
        f"{quote('assignee_id')} = %s, {quote('claimed_at')} = %s "
        f"WHERE {quote('id')} = ({queue_sql}) AND {quote('status')} = %s RETURNING {columns}"
    )
    params = [TaskStatus.CLAIMED.value, tracer.pk, ops.adapt_datetimefield_value(now),
              *queue_params, TaskStatus.OPEN.value]  # fmt: skip
    # A raw queryset turns the returned columns into a model with the fields' converters.
    claimed = list(TracingTask.objects.raw(sql, params))
    return claimed[0] if claimed else None


# --- Task contracts used by other apps ---------------------------------------------


@transaction.atomic
def open_task(
    kind: str,
    *,
    case: Case | None = None,
    contact: Contact | None = None,
    setting: Setting | None = None,
    due_by: dt.datetime,
    priority: int = 3,
    available_from: dt.datetime | None = None,
    reason: str = "",
    actor: object,
    source: str,
) -> TracingTask:
    """Open a task of ``kind`` on its target, or return the target's active one of that kind.

    The target is the argument ``TARGET_FIELD[kind]`` names (a case, a contact or a
    setting); the task's jurisdiction and language are the target's.
    """
    try:
        field = TARGET_FIELD[TaskKind(kind)]
    except ValueError:
        raise ValidationError({"kind": f"unknown task kind {kind!r}"}) from None
    target = {"case": case, "contact": contact, "setting": setting}[field]
    if target is None:
        raise ValidationError({field: f"a {kind!r} task needs a {field}"})
    if not 1 <= priority <= 5:
        raise ValidationError({"priority": f"{kind} task: priority {priority} is not 1 to 5"})
    existing = (
        TracingTask.objects.select_for_update()
        .filter(kind=kind, status__in=ACTIVE, **{field: target})
        .order_by("pk")
        .first()
    )
    if existing is not None:
        return existing
    language = "en"
    if isinstance(target, Contact):
        language, case = target.person.preferred_language, target.case
    elif isinstance(target, Case):
        language = target.person.preferred_language
    task = TracingTask(
        kind=kind,
        case=case if field != "setting" else None,
        contact=contact if field == "contact" else None,
        setting=setting if field == "setting" else None,
        jurisdiction_id=target.jurisdiction_id,
        priority=priority,
        due_by=due_by,
        available_from=available_from,
        language=language,
        required_skills=["complex"] if isinstance(target, Case) and target.is_complex else [],
    )
    task.full_clean()
    task.save()
    record_event(actor, Action.CREATE, task, purpose=reason or f"{kind} task", source=source)
    return task


@transaction.atomic
def defer_task(
    task: TracingTask, *, until: dt.datetime, reason: str, actor: object, source: str
) -> bool:
    """Keep an open, unclaimed task out of the queue until ``until``; False otherwise."""
    updated = TracingTask.objects.filter(
        pk=task.pk, status=TaskStatus.OPEN, assignee__isnull=True
    ).update(available_from=until)
    if updated:
        task.available_from = until
        record_event(actor, Action.UPDATE, task, purpose=reason or "task deferred",
                     source=source, fields=["available_from"])  # fmt: skip
    return bool(updated)


@transaction.atomic
def complete_task(task: TracingTask, *, reason: str, actor: object, source: str) -> TracingTask:
    """Mark an active task done (again: no change). Escalated or cancelled: an error."""
    task = TracingTask.objects.select_for_update().get(pk=task.pk)
    if task.status == TaskStatus.DONE:
        return task
    if task.status not in ACTIVE:
        raise ValidationError({"task": f"task {task.pk} is {task.get_status_display().lower()}"})
    _finish(task, TaskStatus.DONE, at=timezone.now(), actor=actor, source=source,
            purpose=reason or "task completed")  # fmt: skip
    return task


@transaction.atomic
def release_task(task: TracingTask, *, actor: User, source: str) -> TracingTask:
    """Give a claimed task back to the queue, offered again at once."""
    task = TracingTask.objects.select_for_update().get(pk=task.pk)
    if task.status != TaskStatus.CLAIMED:
        raise ValidationError({"task": f"task {task.pk} is not claimed"})
    _release(task, available_from=task.available_from, actor=actor, source=source,
             purpose="task given back")  # fmt: skip
    return task


def _check_can_take(task_ids: list[int], tracer: User) -> None:
    if not has_right(tracer, Right.WORK_TASKS):
        raise ValidationError({"tracer": f"{tracer.username} does not work tracing tasks"})
    outside = (
        TracingTask.objects.filter(pk__in=task_ids)
        .exclude(jurisdiction_id__in=scope_ids(tracer))
        .values_list("pk", flat=True)
    )
    if outside:
        listed = ", ".join(map(str, sorted(outside)[:10]))
        raise ValidationError(
            {"tracer": f"tasks {listed} are outside {tracer.username}'s jurisdictions"}
        )


@transaction.atomic
def assign_tasks(
    task_ids: Iterable[int],
    *,
    to: User,
    actor: object,
    source: str,
    purpose: str = "",
    only_waiting: bool = False,
) -> list[int]:
    """Assign active tasks to a tracer (reassign or bulk-assign); returns those assigned.

    Tasks that are done, escalated or cancelled (and, with ``only_waiting``, those
    already claimed) are left alone and not returned. The tracer must work tasks
    and cover each task's jurisdiction.
    """
    ids = sorted(set(task_ids))
    _check_can_take(ids, to)
    now = timezone.now()
    active = list(
        TracingTask.objects.select_for_update()
        .filter(pk__in=ids, status__in=[TaskStatus.OPEN] if only_waiting else ACTIVE)
        .values_list("pk", flat=True)
    )
    TracingTask.objects.filter(pk__in=active).update(
        status=TaskStatus.CLAIMED, assignee=to, claimed_at=now
    )
    record_events(actor, Action.UPDATE, TracingTask, active,
                  purpose=purpose or f"assigned to user {to.pk}", source=source)  # fmt: skip
    return active


@transaction.atomic
def escalate_task(
    task: TracingTask, *, to: str, reason: str, actor: object, source: str
) -> TracingTask:
    """Hand an active task to the health protection team or a field visit."""
    if to not in Escalation.values:
        raise ValidationError({"escalation": f"task {task.pk}: unknown escalation {to!r}"})
    task = TracingTask.objects.select_for_update().get(pk=task.pk)
    if task.status not in ACTIVE:
        raise ValidationError({"task": f"task {task.pk} is {task.get_status_display().lower()}"})
    _escalate(task, to, at=timezone.now(), actor=actor, source=source, purpose=reason)
    return task


# --- Tracer state ------------------------------------------------------------------


@transaction.atomic
def set_tracer_state(
    user: User, state: str, *, at: dt.datetime | None = None, source: str
) -> TracerStateChange | None:
    """Record that the tracer entered ``state`` (no row when already in it)."""
    return _record_state(user, state, at=at, source=source)


def _record_state(
    user: User, state: str, *, at: dt.datetime | None = None, source: str
) -> TracerStateChange | None:
    """``set_tracer_state`` inside a caller's transaction (no savepoint round trips)."""
    if state not in TracerState.values:
        raise ValidationError({"state": f"user {user.pk}: unknown tracer state {state!r}"})
    at = at or timezone.now()
    # One statement: insert the change unless the user's latest state is already ``state``.
    quote = connection.ops.quote_name
    table = quote(TracerStateChange._meta.db_table)
    sql = (
        f"INSERT INTO {table} ({quote('user_id')}, {quote('state')}, {quote('at')}) "  # noqa: S608
        f"SELECT %s, %s, %s WHERE COALESCE((SELECT {quote('state')} FROM {table} "
        f"WHERE {quote('user_id')} = %s ORDER BY {quote('at')} DESC, {quote('id')} DESC "
        f"LIMIT 1), '') <> %s RETURNING {quote('id')}"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            sql, [user.pk, state, connection.ops.adapt_datetimefield_value(at), user.pk, state]
        )
        inserted = cursor.fetchone()
    if inserted is None:
        return None
    change = TracerStateChange(pk=inserted[0], user=user, state=state, at=at)
    record_event(user, Action.CREATE, change, purpose=f"tracer {state}", source=source)
    return change


def current_states(user_ids: Iterable[int]) -> dict[int, tuple[str, dt.datetime | None]]:
    """Each user's current state and since when (offline, None: never signed in to work)."""
    ids = list(user_ids)
    found: dict[int, tuple[str, dt.datetime | None]] = dict.fromkeys(
        ids, (TracerState.OFFLINE.value, None)
    )
    latest = (
        TracerStateChange.objects.filter(user_id__in=ids)
        .order_by("user_id", "-at", "-pk")
        .values_list("user_id", "state", "at")
    )
    seen: set[int] = set()
    for user_id, state, at in latest:
        if user_id not in seen:
            seen.add(user_id)
            found[user_id] = (state, at)
    return found


# --- Interviews --------------------------------------------------------------------


@dataclass(frozen=True)
class ContactAnswer:
    """One contact named in an interview: a known person (a household member) or details."""

    exposure: Exposure
    person: Person | None = None
    details: PersonDetails | None = None


@dataclass(frozen=True)
class InterviewAnswers:
    identity_confirmed: bool
    has_symptoms: bool | None = None
    onset_date: dt.date | None = None
    isolation_advice_given: bool = False
    settings: tuple[tuple[Setting, dt.date], ...] = ()
    contacts: tuple[ContactAnswer, ...] = field(default=())


def exposure_window(case: Case, onset_date: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """From two days before symptom onset (or the first positive test without one) to today."""
    start = (onset_date or case.onset_date or timezone.localdate(case.first_specimen_at)) - (
        dt.timedelta(days=2)
    )
    return start, timezone.localdate()


def _outside(case: Case, what: str, day: dt.date) -> str:
    start, end = exposure_window(case)
    return f"case {case.pk}, {what}: {day} is outside the exposure window {start} to {end}"


@transaction.atomic
def record_interview(
    task: TracingTask,
    *,
    tracer: User,
    answers: InterviewAnswers,
    started_at: dt.datetime,
    ended_at: dt.datetime | None = None,
    source: str,
) -> Interview:
    """Record a completed call that followed the task's script, and finish the task.

    A case interview records the onset date, the settings attended in the
    exposure window and the contacts (each gets a task to reach them); a contact
    call that finds symptoms opens a "book a test" task. The call is recorded as
    reached. Nothing is written unless everything is valid.
    """
    from tracedesk.cases.actions import add_contact, add_person_as_contact, record_onset_date
    from tracedesk.places.actions import record_case_attendance
    from tracedesk.places.models import AttendanceSource
    from tracedesk.tracing.scripts import script_for

    ended_at = ended_at or timezone.now()
    task = TracingTask.objects.select_related("case", "contact").get(pk=task.pk)
    if task.status != TaskStatus.CLAIMED or task.assignee_id != tracer.pk:
        raise ValidationError({"task": f"task {task.pk} is not held by {tracer.username}"})
    if not answers.identity_confirmed:
        raise ValidationError(
            {"identity_confirmed": f"task {task.pk}: confirm the person's identity first "
             "(or record the call as a wrong number)"}
        )  # fmt: skip
    script = script_for(task)
    settings_recorded = contacts_recorded = 0
    if task.kind == TaskKind.REACH_CASE:
        case = task.case
        if case is None:  # the database's check constraint rules this out
            raise ValidationError({"case": f"task {task.pk} has no case"})
        onset = answers.onset_date if answers.has_symptoms else None
        if answers.has_symptoms and onset is None:
            raise ValidationError({"onset_date": f"case {case.pk}: give the day symptoms began"})
        record_onset_date(case, onset, actor=tracer, source=source)
        start, end = exposure_window(case, onset)
        for index, (setting, day) in enumerate(answers.settings):
            if not start <= day <= end:
                raise ValidationError({"settings": _outside(case, f"place {index + 1}", day)})
            record_case_attendance(case, setting, day, source_kind=AttendanceSource.INTERVIEW,
                                   actor=tracer, source=source)  # fmt: skip
            settings_recorded += 1
        for index, answer in enumerate(answers.contacts):
            day = answer.exposure.last_exposure_date
            if not start <= day <= end:
                raise ValidationError({"contacts": _outside(case, f"contact {index + 1}", day)})
            if answer.person is not None:
                add_person_as_contact(case, answer.person, answer.exposure, reported_at=ended_at,
                                      actor=tracer, source=source)  # fmt: skip
            elif answer.details is not None:
                add_contact(case, answer.details, answer.exposure, reported_at=ended_at,
                            actor=tracer, source=source)  # fmt: skip
            else:
                raise ValidationError({"contacts": f"contact {index + 1}: no person or details"})
            contacts_recorded += 1
    elif answers.has_symptoms and task.contact is not None:
        open_task(
            TaskKind.BOOK_TEST, contact=task.contact, due_by=ended_at + dt.timedelta(hours=24),
            priority=2, reason="symptoms reported on the contact call", actor=tracer,
            source=source,
        )  # fmt: skip
    interview = Interview.objects.create(
        task=task,
        tracer=tracer,
        script=script.key,
        script_version=script.version,
        identity_confirmed=True,
        has_symptoms=answers.has_symptoms,
        onset_date=answers.onset_date if answers.has_symptoms else None,
        isolation_advice_given=answers.isolation_advice_given,
        settings_recorded=settings_recorded,
        contacts_recorded=contacts_recorded,
        completed_at=ended_at,
    )
    record_event(tracer, Action.CREATE, interview, purpose="interview", source=source)
    record_call_attempt(task, tracer=tracer, outcome=Outcome.REACHED, started_at=started_at,
                        ended_at=ended_at, source=source)  # fmt: skip
    return interview
