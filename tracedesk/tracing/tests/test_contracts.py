"""The task and tracer-state contracts other apps build on."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from tracedesk.audit.models import AuditEvent
from tracedesk.testing.world import World
from tracedesk.tracing.actions import (
    complete_task,
    current_states,
    defer_task,
    next_task,
    open_task,
    record_call_attempt,
    set_tracer_state,
)
from tracedesk.tracing.models import TaskKind, TaskStatus, TracerState, TracerStateChange


def test_open_task_is_idempotent_per_kind_and_target(world: World) -> None:
    contact = world.district("a").contact
    due = timezone.now() + dt.timedelta(hours=6)
    first = open_task(
        TaskKind.BOOK_TEST, contact=contact, due_by=due, priority=2, reason="symptoms",
        actor=None, source="tests",
    )  # fmt: skip
    again = open_task(TaskKind.BOOK_TEST, contact=contact, due_by=due, actor=None, source="tests")
    assert again.pk == first.pk
    assert first.kind == "book_test" and first.contact == contact and first.priority == 2
    assert first.jurisdiction == contact.jurisdiction and first.case == contact.case
    assert AuditEvent.objects.filter(
        object_type="tracing.tracingtask", object_id=str(first.pk), purpose="symptoms"
    ).exists()
    complete_task(first, reason="test booked", actor=None, source="tests")
    third = open_task(TaskKind.BOOK_TEST, contact=contact, due_by=due, actor=None, source="tests")
    assert third.pk != first.pk  # a new one once the old one is finished


def test_open_task_names_the_missing_target(world: World) -> None:
    with pytest.raises(ValidationError) as error:
        open_task(TaskKind.FOLLOW_UP, due_by=timezone.now(), actor=None, source="tests")
    assert "contact" in error.value.message_dict


def test_the_queue_never_offers_a_task_before_available_from(world: World) -> None:
    tracer = world.users["tracer_a"]
    complete_task(world.district("a").case_task, reason="done", actor=None, source="tests")
    contact_task = world.district("a").contact.tasks.get()
    now = timezone.now()
    assert defer_task(contact_task, until=now + dt.timedelta(hours=2), reason="callback",
                      actor=None, source="tests")  # fmt: skip
    assert next_task(tracer, now=now, source="tests") is None
    assert next_task(tracer, now=now + dt.timedelta(hours=2, seconds=1), source="tests") == (
        contact_task
    )
    # A claimed task is no longer deferrable.
    assert not defer_task(contact_task, until=now, reason="x", actor=None, source="tests")


def test_complete_task_refuses_an_escalated_task(world: World) -> None:
    task = world.district("a").case_task
    record_call_attempt(
        task, tracer=world.users["tracer_a"], outcome="refused", started_at=timezone.now(),
        ended_at=timezone.now(), source="tests",
    )  # fmt: skip
    with pytest.raises(ValidationError):
        complete_task(task, reason="done", actor=None, source="tests")


def test_tracer_states_follow_the_work(world: World) -> None:
    tracer = world.users["tracer_a"]
    assert current_states([tracer.pk])[tracer.pk] == ("offline", None)
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC), tick=False):
        set_tracer_state(tracer, TracerState.AVAILABLE, source="tests")
        task = next_task(tracer, source="tests")
        assert task is not None
        assert current_states([tracer.pk])[tracer.pk][0] == "on_call"
    ended = dt.datetime(2026, 3, 2, 9, 12, tzinfo=dt.UTC)
    with time_machine.travel(ended, tick=False):
        record_call_attempt(
            task, tracer=tracer, outcome="no_answer", started_at=ended - dt.timedelta(minutes=2),
            ended_at=ended, source="tests",
        )  # fmt: skip
    assert current_states([tracer.pk])[tracer.pk] == ("wrap_up", ended)
    # The same state twice is one change.
    assert set_tracer_state(tracer, TracerState.WRAP_UP, source="tests") is None
    set_tracer_state(tracer, TracerState.OFFLINE, source="tests")
    states = list(TracerStateChange.objects.filter(user=tracer).values_list("state", flat=True))
    assert states == ["available", "on_call", "wrap_up", "offline"]
    with pytest.raises(ValidationError):
        set_tracer_state(tracer, "on_break", source="tests")


def test_task_status_values_are_stable() -> None:
    # Other apps (KPIs, follow-up) store and compare these values.
    assert TaskKind.BOOK_TEST.value == "book_test"
    assert [s.value for s in TracerState] == ["available", "on_call", "wrap_up", "offline"]
    assert TaskStatus.OPEN.value == "open"


def test_utilisation_is_busy_time_over_time_signed_in(world: World) -> None:
    from tracedesk.tracing.states import utilisation

    tracer = world.users["tracer_a"]
    day = dt.datetime(2026, 3, 2, tzinfo=dt.UTC)
    for hour, state in [(8, "available"), (9, "on_call"), (10, "wrap_up"), (11, "available"),
                        (12, "offline")]:  # fmt: skip
        set_tracer_state(tracer, state, at=day.replace(hour=hour), source="tests")
    # 4 hours signed in, 2 of them busy.
    assert utilisation([tracer.pk], day, day + dt.timedelta(days=1))[tracer.pk] == 0.5
    # From 10:30: wrap-up carried over (30 min) + available 1 hour.
    assert utilisation([tracer.pk], day.replace(hour=10, minute=30), day.replace(hour=13))[
        tracer.pk
    ] == pytest.approx(1 / 3)
    assert utilisation([world.users["tracer_b"].pk], day, day + dt.timedelta(days=1)) == {
        world.users["tracer_b"].pk: None
    }
