"""The tracer's work page ("next", the call script, outcomes) and the supervisor console."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings as conf
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from tracedesk.accounts.decorators import requires
from tracedesk.accounts.models import User
from tracedesk.accounts.roles import Right
from tracedesk.audit.reads import audit_read
from tracedesk.cases.models import ContactType, Proximity
from tracedesk.places.access import settings_for
from tracedesk.tracing import access
from tracedesk.tracing.actions import (
    assign_tasks,
    current_states,
    exposure_window,
    next_task,
    record_call_attempt,
    record_interview,
    release_task,
    set_tracer_state,
)
from tracedesk.tracing.interview_form import (
    NEW_CONTACT_ROWS,
    SETTING_ROWS,
    household_of,
    parse_interview,
    parse_outcome,
)
from tracedesk.tracing.models import Outcome, TaskStatus, TracerState, TracingTask
from tracedesk.tracing.priorities import isolation_end
from tracedesk.tracing.scripts import script_for

SOURCE = "web"


@require_safe
@requires(Right.WORK_TASKS)
def work(request: HttpRequest) -> HttpResponse:
    """The tracer's page: their state, the task they hold, and the "Next task" button."""
    user = request.user
    assert isinstance(user, User)  # noqa: S101  (signed in: @requires)
    held = access.tasks_for(user).filter(assignee_id=user.pk, status=TaskStatus.CLAIMED)
    state, since = current_states([user.pk])[user.pk]
    audit_read(request, TracingTask, purpose="tracer work page")
    return render(
        request,
        "tracing/work.html",
        {
            "held": held.order_by("priority", "due_by"),
            "state": TracerState(state),
            "since": since,
            "waiting": access.queue_size_for(user),
            "cap": access.QUEUE_COUNT_CAP,
        },
    )


@require_POST
@requires(Right.WORK_TASKS)
def take_next(request: HttpRequest) -> HttpResponse:
    """Claim the most urgent task the tracer may take and open it."""
    task = next_task(request.user, source=SOURCE)  # type: ignore[arg-type]
    if task is None:
        messages.info(request, "No task is waiting for you. You are available.")
        return redirect("tracing-work")
    return redirect("tracing-task", task_id=task.pk)


@require_POST
@requires(Right.WORK_TASKS)
def change_state(request: HttpRequest) -> HttpResponse:
    """Ready (available) or offline."""
    state = request.POST.get("state", "")
    if state not in {TracerState.AVAILABLE, TracerState.OFFLINE}:
        messages.error(request, "Choose ready or offline.")
    else:
        set_tracer_state(request.user, state, source=SOURCE)  # type: ignore[arg-type]
    if request.headers.get("HX-Request"):
        me = int(request.user.pk or 0)
        current, since = current_states([me])[me]
        return render(
            request, "tracing/_state.html", {"state": TracerState(current), "since": since}
        )
    return redirect("tracing-work")


def _task_context(request: HttpRequest, task: TracingTask, **extra: Any) -> dict[str, Any]:
    script = script_for(task)
    window = exposure_window(task.case) if task.case and task.kind == "reach_case" else None
    person = task.contact.person if task.contact else task.case.person if task.case else None
    return {
        "task": task,
        "person": person,  # the one to call; None for a setting's task
        "script": script,
        "mine": task.status == TaskStatus.CLAIMED and task.assignee_id == request.user.pk,
        "attempts": task.attempts.select_related("tracer").order_by("started_at"),
        "household": household_of(task) if task.kind == "reach_case" else [],
        "places": settings_for(request.user).order_by("name")[:200]
        if task.kind == "reach_case"
        else [],
        "window": window,
        "isolation_end": isolation_end(task.contact) if task.contact else None,
        "setting_rows": range(SETTING_ROWS),
        "contact_rows": range(NEW_CONTACT_ROWS),
        "contact_types": ContactType.choices,
        "proximities": Proximity.choices,
        "outcomes": [(v, label) for v, label in Outcome.choices if v != Outcome.REACHED],
        "now": timezone.now(),
        "errors": {},
        "data": {},
        **extra,
    }


@require_safe
@requires(Right.WORK_TASKS)
def task_detail(request: HttpRequest, task_id: int) -> HttpResponse:
    """A task: who to call, the script to follow, earlier attempts, the forms to record."""
    task = access.task_for(request.user, task_id)
    audit_read(request, task, purpose="tracing task page")
    return render(request, "tracing/task.html", _task_context(request, task))


def _form_errors(error: ValidationError) -> dict[str, str]:
    if hasattr(error, "error_dict"):
        return {field: " ".join(error.message_dict[field]) for field in error.error_dict}
    return {"all": " ".join(error.messages)}


@require_POST
@requires(Right.WORK_TASKS)
def record_attempt(request: HttpRequest, task_id: int) -> HttpResponse:
    """A call that did not reach the person (or reached the wrong one)."""
    task = access.task_for(request.user, task_id)
    now = timezone.now()
    try:
        values = parse_outcome(request.POST)
        record_call_attempt(
            task, tracer=request.user, started_at=task.claimed_at or now, ended_at=now,  # type: ignore[arg-type]
            source=SOURCE, **values,
        )  # fmt: skip
    except ValidationError as error:
        context = _task_context(request, task, errors=_form_errors(error), data=request.POST)
        return render(request, "tracing/task.html", context, status=400)
    messages.success(request, f"Recorded: {Outcome(values['outcome']).label}.")
    return redirect("tracing-work")


@require_POST
@requires(Right.WORK_TASKS)
def interview(request: HttpRequest, task_id: int) -> HttpResponse:
    """The call reached the person: record what the script produced and finish the task."""
    task = access.task_for(request.user, task_id)
    places = {s.pk: s for s in settings_for(request.user)}
    try:
        answers = parse_interview(request.POST, household=household_of(task), settings=places)
        record_interview(
            task, tracer=request.user, answers=answers,  # type: ignore[arg-type]
            started_at=task.claimed_at or timezone.now(), source=SOURCE,
        )  # fmt: skip
    except ValidationError as error:
        context = _task_context(request, task, errors=_form_errors(error), data=request.POST)
        return render(request, "tracing/task.html", context, status=400)
    messages.success(request, "Interview recorded; the task is done.")
    return redirect("tracing-work")


@require_POST
@requires(Right.WORK_TASKS)
def give_back(request: HttpRequest, task_id: int) -> HttpResponse:
    """Return a held task to the queue."""
    task = access.task_for(request.user, task_id)
    if task.assignee_id != request.user.pk:
        return HttpResponse("This task is not yours to give back.", status=409)
    try:
        release_task(task, actor=request.user, source=SOURCE)  # type: ignore[arg-type]
    except ValidationError as error:
        return HttpResponse(" ".join(error.messages), status=409)
    set_tracer_state(request.user, TracerState.AVAILABLE, source=SOURCE)  # type: ignore[arg-type]
    return redirect("tracing-work")


# --- Supervisor console -----------------------------------------------------------------


def console_figures(user: object, now: dt.datetime) -> dict[str, Any]:
    """Queue depth, tasks at risk, and the tracers in the supervisor's scope with their state."""
    from tracedesk.tracing.states import utilisation

    tasks = access.tasks_for(user)
    soon = now + dt.timedelta(hours=conf.TRACING_AT_RISK_HOURS)
    active = tasks.filter(status__in=[TaskStatus.OPEN, TaskStatus.CLAIMED])
    available_now = Q(available_from__isnull=True) | Q(available_from__lte=now)
    depth = active.aggregate(
        waiting=Count("id", filter=Q(status=TaskStatus.OPEN) & available_now),
        deferred=Count("id", filter=Q(status=TaskStatus.OPEN) & ~available_now),
        claimed=Count("id", filter=Q(status=TaskStatus.CLAIMED)),
        overdue=Count("id", filter=Q(due_by__lt=now)),
        at_risk=Count("id", filter=Q(due_by__gte=now, due_by__lt=soon)),
    )
    by_area = (
        active.values("jurisdiction__name")
        .annotate(
            waiting=Count("id", filter=Q(status=TaskStatus.OPEN)),
            at_risk=Count("id", filter=Q(due_by__lt=soon)),
        )
        .order_by("-at_risk", "jurisdiction__name")
    )
    at_risk = (
        active.filter(due_by__lt=soon)
        .select_related("assignee", "jurisdiction")
        .order_by("due_by", "priority")[:100]
    )
    tracers = list(access.tracers_for(user))
    start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    states = current_states([t.pk for t in tracers])
    used = utilisation([t.pk for t in tracers], start, now)
    held = dict(
        tasks.filter(status=TaskStatus.CLAIMED, assignee__in=tracers)
        .values("assignee")
        .annotate(n=Count("id"))
        .values_list("assignee", "n")
    )
    rows = [
        {
            "user": t,
            "state": TracerState(states[t.pk][0]),
            "since": states[t.pk][1],
            "utilisation": used[t.pk],
            "held": held.get(t.pk, 0),
            "team": t.team.name if t.team else "",
        }
        for t in tracers
    ]
    return {"depth": depth, "by_area": by_area, "at_risk": at_risk, "tracers": rows}


@require_safe
@requires(Right.SUPERVISE)
def console(request: HttpRequest) -> HttpResponse:
    """The supervisor console (refreshes itself every 30 seconds with htmx)."""
    now = timezone.now()
    context = console_figures(request.user, now)
    audit_read(request, TracingTask, purpose="queue console")
    template = (
        "tracing/_console.html" if request.headers.get("HX-Request") else "tracing/console.html"
    )
    return render(request, template, {**context, "now": now})


@require_POST
@requires(Right.SUPERVISE)
def assign(request: HttpRequest) -> HttpResponse:
    """Reassign one task or bulk-assign the ticked ones to a tracer in scope."""
    raw_ids = request.POST.getlist("task")
    tracer = get_object_or_404(access.tracers_for(request.user), pk=request.POST.get("tracer") or 0)
    if not raw_ids or not all(v.isdigit() for v in raw_ids):
        messages.error(request, "Tick at least one task to assign.")
        return redirect("tracing-console")
    in_scope = list(
        access.tasks_for(request.user)
        .filter(pk__in=[int(v) for v in raw_ids])
        .values_list("pk", flat=True)
    )
    try:
        done = assign_tasks(in_scope, to=tracer, actor=request.user, source=SOURCE,
                            purpose="supervisor assignment")  # fmt: skip
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("tracing-console")
    skipped = len(raw_ids) - len(done)
    note = f" ({skipped} not assigned: finished or not found)" if skipped else ""
    messages.success(request, f"{len(done)} task(s) assigned to {tracer.username}{note}.")
    return redirect("tracing-console")
