from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from tracedesk.testing.world import World
from tracedesk.tracing.actions import claim_task, record_call_attempt
from tracedesk.tracing.models import CallAttempt, TaskStatus, TracingTask


def test_a_task_must_have_the_target_of_its_kind(world: World) -> None:
    task = TracingTask(kind="reach_contact", jurisdiction=world.leeds, due_by=timezone.now())
    with pytest.raises(ValidationError) as error:
        task.full_clean()
    assert "contact" in error.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        task.save()  # the database refuses it too


def test_priority_range_is_enforced_by_the_database(world: World) -> None:
    task = world.district("a").case_task
    task.priority = 9
    with pytest.raises(IntegrityError), transaction.atomic():
        task.save()


def test_callback_needs_a_time(world: World) -> None:
    attempt = CallAttempt(
        task=world.district("a").case_task, tracer=world.users["tracer_a"], outcome="callback"
    )
    with pytest.raises(ValidationError) as error:
        attempt.full_clean()
    assert "callback_at" in error.value.message_dict


def test_reaching_the_person_completes_the_task(world: World) -> None:
    task = world.district("a").case_task
    now = timezone.now()
    record_call_attempt(
        task,
        tracer=world.users["tracer_a"],
        outcome="no_answer",
        started_at=now,
        ended_at=now + dt.timedelta(minutes=1),
        source="tests",
    )
    task.refresh_from_db()
    assert task.status == TaskStatus.OPEN
    record_call_attempt(
        task,
        tracer=world.users["tracer_a"],
        outcome="reached",
        started_at=now,
        ended_at=now + dt.timedelta(minutes=9),
        source="tests",
    )
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE and task.attempts.count() == 2
    with pytest.raises(ValidationError):
        record_call_attempt(
            task,
            tracer=world.users["tracer_a"],
            outcome="reached",
            started_at=now,
            ended_at=now,
            source="tests",
        )


def test_a_task_is_claimed_once(world: World) -> None:
    task = world.district("a").case_task
    claim_task(task, tracer=world.users["tracer_a"], source="tests")
    with pytest.raises(ValidationError):
        claim_task(task, tracer=world.users["supervisor_a"], source="tests")
    task.refresh_from_db()
    assert task.assignee == world.users["tracer_a"]
