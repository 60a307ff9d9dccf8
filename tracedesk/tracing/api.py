"""The queue through the API: "next", call outcomes, interviews, tracer state, the console.

Thin handlers over ``tracing.access`` and ``tracing.actions``, as the web pages.
"""

# No "from __future__ import annotations": ninja reads these signatures at runtime.
import datetime as dt

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Field, Router, Schema
from ninja.responses import Status

from tracedesk.accounts.api_auth import caller
from tracedesk.accounts.roles import Right, require
from tracedesk.audit.reads import audit_read
from tracedesk.cases.exposure import Exposure
from tracedesk.cases.models import ContactType, Proximity
from tracedesk.people.details import PersonDetails
from tracedesk.places.access import settings_for
from tracedesk.tracing import access
from tracedesk.tracing.actions import (
    ContactAnswer,
    InterviewAnswers,
    assign_tasks,
    current_states,
    next_task,
    record_call_attempt,
    record_interview,
    release_task,
    set_tracer_state,
)
from tracedesk.tracing.interview_form import household_of
from tracedesk.tracing.models import Outcome, TaskKind, TaskStatus, TracerState, TracingTask
from tracedesk.tracing.scripts import script_for

router = Router(tags=["tracing"])
SOURCE = "api"


class TaskOut(Schema):
    id: int
    kind: TaskKind
    status: TaskStatus
    priority: int = Field(description="1 is most urgent, 5 least")
    due_by: dt.datetime
    available_from: dt.datetime | None = Field(description="Not offered before this time")
    language: str
    required_skills: list[str]
    case_id: int | None
    contact_id: int | None
    setting_id: int | None
    jurisdiction_id: int
    assignee_id: int | None
    escalation: str
    created_at: dt.datetime
    claimed_at: dt.datetime | None
    completed_at: dt.datetime | None


class NextOut(Schema):
    task: TaskOut | None = Field(description="The task now yours, or null when none is waiting")
    state: TracerState


class StepOut(Schema):
    key: str
    title: str
    prompt: str


class ScriptOut(Schema):
    key: str
    version: int
    title: str
    steps: list[StepOut]
    household_person_ids: list[int] = Field(description="Ask about these people first")


class AttemptIn(Schema):
    outcome: Outcome
    started_at: dt.datetime | None = None
    ended_at: dt.datetime | None = None
    callback_at: dt.datetime | None = Field(None, description="Required for 'callback'")
    language: str = Field("", description="For 'interpreter': ISO 639-1 code needed")
    notes: str = Field("", max_length=2000)


class AttemptOut(Schema):
    id: int
    task_id: int
    outcome: Outcome
    started_at: dt.datetime
    ended_at: dt.datetime | None
    callback_at: dt.datetime | None
    task: TaskOut


class PlaceIn(Schema):
    setting_id: int
    attended_on: dt.date


class ContactAnswerIn(Schema):
    person_id: int | None = Field(None, description="A household member (from the script)")
    first_name: str = ""
    last_name: str = ""
    phone: str = ""
    date_of_birth: dt.date | None = None
    contact_type: ContactType = ContactType.OTHER
    proximity: Proximity = Proximity.OTHER
    last_exposure_date: dt.date


class InterviewIn(Schema):
    identity_confirmed: bool
    has_symptoms: bool | None = None
    onset_date: dt.date | None = None
    isolation_advice_given: bool = False
    places: list[PlaceIn] = []
    contacts: list[ContactAnswerIn] = []
    started_at: dt.datetime | None = None


class InterviewOut(Schema):
    id: int
    task_id: int
    script: str
    script_version: int
    settings_recorded: int
    contacts_recorded: int
    completed_at: dt.datetime


class StateIn(Schema):
    state: TracerState


class StateOut(Schema):
    state: TracerState
    since: dt.datetime | None


class AssignIn(Schema):
    task_ids: list[int] = Field(min_length=1, max_length=1000)
    tracer_id: int


class AssignOut(Schema):
    assigned: list[int]
    not_assigned: list[int] = Field(description="Finished, or not in your scope")


class DepthOut(Schema):
    waiting: int
    deferred: int
    claimed: int
    overdue: int
    at_risk: int


class TracerRow(Schema):
    user_id: int
    username: str
    team: str
    state: TracerState
    since: dt.datetime | None
    utilisation_today: float | None
    held: int


class ConsoleOut(Schema):
    depth: DepthOut
    at_risk: list[TaskOut]
    tracers: list[TracerRow]


@router.post("/tasks/next", response=NextOut, operation_id="next_task")
def take_next(request: HttpRequest) -> dict[str, object]:
    """Claim the most urgent task you may take (or get back the one you hold)."""
    user = caller(request)
    require(user, Right.WORK_TASKS)
    task = next_task(user, source=SOURCE)
    if task is not None:
        audit_read(request, task, purpose="api: next task")
    # next_task has just put the tracer in this state: no need to read it back.
    return {"task": task, "state": TracerState.ON_CALL if task else TracerState.AVAILABLE}


@router.get("/tasks/mine", response=list[TaskOut], operation_id="my_tasks")
def my_tasks(request: HttpRequest) -> list[TracingTask]:
    """The tasks you hold, most urgent first."""
    user = caller(request)
    tasks = access.tasks_for(user).filter(assignee_id=user.pk, status=TaskStatus.CLAIMED)
    audit_read(request, TracingTask, purpose="api: my tasks")
    return list(tasks.order_by("priority", "due_by", "pk"))


@router.get("/tasks/{task_id}", response=TaskOut, operation_id="get_task")
def get_task(request: HttpRequest, task_id: int) -> TracingTask:
    """One task in your scope."""
    task = access.task_for(caller(request), task_id)
    audit_read(request, task, purpose="api: get task")
    return task


@router.get("/tasks/{task_id}/script", response=ScriptOut, operation_id="get_task_script")
def get_script(request: HttpRequest, task_id: int) -> dict[str, object]:
    """The call script to follow on this task, and the household to ask about first."""
    task = access.task_for(caller(request), task_id)
    audit_read(request, task, purpose="api: task script")
    script = script_for(task)
    return {
        "key": script.key,
        "version": script.version,
        "title": script.title,
        "steps": [vars(step) for step in script.steps],
        "household_person_ids": [p.pk for p in household_of(task)],
    }


@router.post("/tasks/{task_id}/attempts", response={201: AttemptOut}, operation_id="record_attempt")
def post_attempt(request: HttpRequest, task_id: int, payload: AttemptIn) -> Status:
    """Record a call that did not complete an interview (use /interview when reached)."""
    user = caller(request)
    require(user, Right.WORK_TASKS)
    task = access.task_for(user, task_id)
    now = timezone.now()
    attempt = record_call_attempt(
        task, tracer=user, outcome=payload.outcome,
        started_at=payload.started_at or task.claimed_at or now, ended_at=payload.ended_at or now,
        callback_at=payload.callback_at, language=payload.language.lower(), notes=payload.notes,
        source=SOURCE,
    )  # fmt: skip
    attempt.task.refresh_from_db()
    return Status(201, attempt)


@router.post(
    "/tasks/{task_id}/interview", response={201: InterviewOut}, operation_id="record_interview"
)
def post_interview(request: HttpRequest, task_id: int, payload: InterviewIn) -> Status:
    """Record the interview that followed the task's script; the task is done."""
    user = caller(request)
    require(user, Right.WORK_TASKS)
    task = access.task_for(user, task_id)
    household = {p.pk: p for p in household_of(task)}
    places = settings_for(user)
    visits = []
    for index, place in enumerate(payload.places):
        setting = places.filter(pk=place.setting_id).first()
        if setting is None:
            raise ValidationError({f"places[{index}].setting_id": "no such setting in your scope"})
        visits.append((setting, place.attended_on))
    contacts = []
    for index, row in enumerate(payload.contacts):
        exposure = Exposure(row.contact_type, row.last_exposure_date, proximity=row.proximity)
        if row.person_id is not None:
            if row.person_id not in household:
                raise ValidationError(
                    {f"contacts[{index}].person_id": "not a member of the case's household"}
                )
            contacts.append(ContactAnswer(exposure, person=household[row.person_id]))
        elif row.first_name.strip() and row.last_name.strip():
            details = PersonDetails(
                first_name=row.first_name.strip(), last_name=row.last_name.strip(),
                phone=row.phone.strip(), date_of_birth=row.date_of_birth,
            )  # fmt: skip
            contacts.append(ContactAnswer(exposure, details=details))
        else:
            raise ValidationError(
                {f"contacts[{index}]": "give a household person_id, or a first and last name"}
            )
    answers = InterviewAnswers(
        identity_confirmed=payload.identity_confirmed,
        has_symptoms=payload.has_symptoms,
        onset_date=payload.onset_date,
        isolation_advice_given=payload.isolation_advice_given,
        settings=tuple(visits),
        contacts=tuple(contacts),
    )
    interview = record_interview(
        task, tracer=user, answers=answers,
        started_at=payload.started_at or task.claimed_at or timezone.now(), source=SOURCE,
    )  # fmt: skip
    return Status(201, interview)


@router.post("/tasks/{task_id}/release", response=TaskOut, operation_id="release_task")
def post_release(request: HttpRequest, task_id: int) -> TracingTask:
    """Give a task you hold back to the queue."""
    user = caller(request)
    require(user, Right.WORK_TASKS)
    task = access.task_for(user, task_id)
    if task.assignee_id != user.pk:
        raise ValidationError({"task": f"task {task.pk} is not held by you"})
    return release_task(task, actor=user, source=SOURCE)


@router.post("/tracer/state", response=StateOut, operation_id="set_tracer_state")
def post_state(request: HttpRequest, payload: StateIn) -> dict[str, object]:
    """Say you are available or offline (on_call and wrap_up follow your work)."""
    user = caller(request)
    require(user, Right.WORK_TASKS)
    if payload.state not in {TracerState.AVAILABLE, TracerState.OFFLINE}:
        raise ValidationError({"state": "set available or offline; the others follow your calls"})
    set_tracer_state(user, payload.state, source=SOURCE)
    state, since = current_states([user.pk])[user.pk]
    return {"state": state, "since": since}


@router.get("/queue", response=ConsoleOut, operation_id="queue_console")
def get_console(request: HttpRequest) -> dict[str, object]:
    """Queue depth, tasks at risk, and your tracers' states and utilisation today."""
    from tracedesk.tracing.views import console_figures

    user = caller(request)
    require(user, Right.SUPERVISE)
    figures = console_figures(user, timezone.now())
    audit_read(request, TracingTask, purpose="api: queue console")
    return {
        "depth": figures["depth"],
        "at_risk": list(figures["at_risk"]),
        "tracers": [
            {
                "user_id": row["user"].pk,
                "username": row["user"].username,
                "team": row["team"],
                "state": row["state"],
                "since": row["since"],
                "utilisation_today": row["utilisation"],
                "held": row["held"],
            }
            for row in figures["tracers"]
        ],
    }


@router.post("/task-assignments", response=AssignOut, operation_id="assign_tasks")
def post_assign(request: HttpRequest, payload: AssignIn) -> dict[str, object]:
    """Reassign or bulk-assign tasks in your scope to a tracer you supervise."""
    user = caller(request)
    require(user, Right.SUPERVISE)
    tracer = get_object_or_404(access.tracers_for(user), pk=payload.tracer_id)
    in_scope = list(
        access.tasks_for(user).filter(pk__in=payload.task_ids).values_list("pk", flat=True)
    )
    done = assign_tasks(in_scope, to=tracer, actor=user, source=SOURCE,
                        purpose="supervisor assignment")  # fmt: skip
    return {"assigned": done, "not_assigned": sorted(set(payload.task_ids) - set(done))}
