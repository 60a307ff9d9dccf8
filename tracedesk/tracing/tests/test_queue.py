"""The queue: which task "next" hands out, and what each call outcome does to it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from tracedesk.accounts.models import TracerProfile
from tracedesk.testing.world import World
from tracedesk.tracing.actions import (
    assign_tasks,
    complete_task,
    next_task,
    record_call_attempt,
)
from tracedesk.tracing.models import Escalation, Outcome, TaskStatus, TracingTask
from tracedesk.tracing.tests.factories import case_tasks


@pytest.fixture
def empty_queue(world: World) -> World:
    for task in TracingTask.objects.all():
        complete_task(task, reason="clear the queue", actor=None, source="tests")
    return world


def test_next_gives_priority_then_deadline(empty_queue: World) -> None:
    world = empty_queue
    now = timezone.now()
    late, early, urgent = case_tasks(world.leeds, 3)
    TracingTask.objects.filter(pk=late.pk).update(due_by=now + dt.timedelta(hours=20))
    TracingTask.objects.filter(pk=early.pk).update(due_by=now + dt.timedelta(hours=2))
    TracingTask.objects.filter(pk=urgent.pk).update(due_by=now + dt.timedelta(hours=30), priority=1)
    tracer = world.users["tracer_a"]
    order = []
    for _ in range(4):
        task = next_task(tracer, source="tests")
        if task is None:
            break
        order.append(task.pk)
        complete_task(task, reason="done", actor=tracer, source="tests")
    assert order == [urgent.pk, early.pk, late.pk]


def test_next_keeps_to_jurisdiction_language_and_skills(empty_queue: World) -> None:
    world = empty_queue
    tracer = world.users["tracer_a"]  # Leeds, English only
    [camden] = case_tasks(world.camden, 1)
    [polish] = case_tasks(world.leeds, 1, language="pl")
    [complex_] = case_tasks(world.leeds, 1)
    TracingTask.objects.filter(pk=complex_.pk).update(required_skills=["complex"])
    assert next_task(tracer, source="tests") is None
    profile = TracerProfile.objects.get(user=tracer)
    profile.languages, profile.skills = ["en", "pl"], ["complex", "clinical"]
    profile.save()
    tracer.refresh_from_db()
    got = {next_task(tracer, source="tests").pk for _ in range(1)}  # type: ignore[union-attr]
    complete_task(TracingTask.objects.get(pk=next(iter(got))), reason="x", actor=None,
                  source="tests")  # fmt: skip
    second = next_task(tracer, source="tests")
    assert second is not None
    assert got | {second.pk} == {polish.pk, complex_.pk}
    assert TracingTask.objects.get(pk=camden.pk).status == TaskStatus.OPEN


def test_a_held_task_comes_back_before_a_new_one(empty_queue: World) -> None:
    world = empty_queue
    _first, second = case_tasks(world.leeds, 2)
    supervisor = world.users["supervisor_a"]
    tracer = world.users["tracer_a"]
    assert assign_tasks([second.pk], to=tracer, actor=supervisor, source="tests") == [second.pk]
    assert next_task(tracer, source="tests") == second
    assert next_task(tracer, source="tests") == second  # still theirs until an outcome


def test_assigning_outside_the_tracers_area_is_refused(empty_queue: World) -> None:
    [camden] = case_tasks(empty_queue.camden, 1)
    with pytest.raises(ValidationError) as error:
        assign_tasks([camden.pk], to=empty_queue.users["tracer_a"], actor=None, source="tests")
    assert str(camden.pk) in str(error.value)


def _call(
    task: TracingTask, world: World, outcome: str, at: dt.datetime | None, **extra: object
) -> None:
    assert at is not None
    record_call_attempt(
        task, tracer=world.users["tracer_a"], outcome=outcome, started_at=at,
        ended_at=at + dt.timedelta(minutes=2), source="tests", **extra,  # type: ignore[arg-type]
    )  # fmt: skip
    task.refresh_from_db()


def test_callback_puts_the_task_back_for_its_time(empty_queue: World) -> None:
    world = empty_queue
    [task] = case_tasks(world.leeds, 1)
    tracer = world.users["tracer_a"]
    now = timezone.now()
    assert next_task(tracer, now=now, source="tests") == task
    callback = now + dt.timedelta(hours=3)
    _call(task, world, Outcome.CALLBACK, now, callback_at=callback)
    assert (task.status, task.assignee, task.available_from) == (TaskStatus.OPEN, None, callback)
    assert next_task(tracer, now=now + dt.timedelta(hours=1), source="tests") is None
    assert next_task(tracer, now=callback, source="tests") == task


def test_unanswered_calls_wait_longer_each_time_then_escalate(empty_queue: World, settings) -> None:
    settings.TRACING_MAX_ATTEMPTS = 10
    settings.TRACING_RETRY_WINDOW_HOURS = 96
    settings.TRACING_FIRST_RETRY_MINUTES = 30
    settings.TRACING_LONGEST_RETRY_MINUTES = 720
    settings.TRACING_ESCALATE_TO = "field_visit"
    world = empty_queue
    [task] = case_tasks(world.leeds, 1)
    at = timezone.now()
    waits = []
    for _ in range(20):
        _call(task, world, Outcome.NO_ANSWER, at)
        if task.status != TaskStatus.OPEN:
            break
        assert task.available_from is not None
        waits.append(task.available_from - (at + dt.timedelta(minutes=2)))
        at = task.available_from
    assert [w.total_seconds() / 60 for w in waits] == [30, 60, 120, 240, 480, 720, 720, 720, 720]
    assert task.attempts.count() == 10
    assert (task.status, task.escalation) == (TaskStatus.ESCALATED, Escalation.FIELD_VISIT)


def test_the_window_ends_the_retries_before_the_attempts_do(empty_queue: World, settings) -> None:
    settings.TRACING_RETRY_WINDOW_HOURS = 2
    world = empty_queue
    [task] = case_tasks(world.leeds, 1)
    at = timezone.now()
    _call(task, world, Outcome.NO_ANSWER, at)  # waits 30 min
    _call(task, world, Outcome.VOICEMAIL, task.available_from)  # waits 60 min
    assert task.status == TaskStatus.OPEN
    _call(task, world, Outcome.NO_ANSWER, task.available_from)  # 120 min would pass 2 h
    assert (task.status, task.escalation) == (TaskStatus.ESCALATED, Escalation.HEALTH_PROTECTION)


@pytest.mark.parametrize(
    ("outcome", "escalation"),
    [(Outcome.WRONG_NUMBER, Escalation.FIELD_VISIT), (Outcome.REFUSED, "hpt")],
)
def test_wrong_number_and_refusal_escalate_at_once(
    empty_queue: World, outcome: str, escalation: str
) -> None:
    [task] = case_tasks(empty_queue.leeds, 1)
    _call(task, empty_queue, outcome, timezone.now())
    assert (task.status, task.escalation) == (TaskStatus.ESCALATED, escalation)


def test_interpreter_needed_requeues_for_a_speaker(empty_queue: World) -> None:
    world = empty_queue
    [task] = case_tasks(world.leeds, 1)
    tracer = world.users["tracer_a"]
    assert next_task(tracer, source="tests") == task
    _call(task, world, Outcome.INTERPRETER, timezone.now(), language="pl")
    assert (task.status, task.language) == (TaskStatus.OPEN, "pl")
    assert next_task(tracer, source="tests") is None  # tracer_a speaks English only
    with pytest.raises(ValidationError) as error:
        _call(task, world, Outcome.INTERPRETER, timezone.now(), language="polish")
    assert "language" in error.value.message_dict


def test_another_tracers_task_cannot_be_recorded(empty_queue: World) -> None:
    world = empty_queue
    [task] = case_tasks(world.leeds, 1)
    assert next_task(world.users["supervisor_a"], source="tests") == task
    with pytest.raises(ValidationError):
        _call(task, world, Outcome.REACHED, timezone.now())
