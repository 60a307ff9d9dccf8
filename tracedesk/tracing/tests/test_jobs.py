"""The tracing worker jobs: each does its work once, and a second run changes nothing."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from tracedesk.accounts.models import Team, TracerProfile
from tracedesk.accounts.roles import Role
from tracedesk.testing.world import World, make_user
from tracedesk.tracing import jobs
from tracedesk.tracing.actions import complete_task, record_call_attempt, set_tracer_state
from tracedesk.tracing.models import Outcome, TaskStatus, TracingTask
from tracedesk.tracing.tests.factories import case_tasks
from tracedesk.worker.registry import discover


def _clear(world: World) -> None:
    for task in TracingTask.objects.all():
        complete_task(task, reason="clear", actor=None, source="tests")


def test_jobs_are_registered() -> None:
    names = {job.name for job in discover()}
    assert {"tracing.callbacks_due", "tracing.deadline_breaches", "tracing.release_abandoned",
            "tracing.lend_idle_capacity"} <= names  # fmt: skip


def test_a_due_callback_goes_to_the_front_once(world: World) -> None:
    _clear(world)
    [task] = case_tasks(world.leeds, 1)
    now = timezone.now()
    record_call_attempt(task, tracer=world.users["tracer_a"], outcome=Outcome.CALLBACK,
                        started_at=now, ended_at=now, callback_at=now + dt.timedelta(hours=1),
                        source="tests")  # fmt: skip
    assert jobs.callbacks_due(now, False) == {"callbacks_due": 0}
    later = now + dt.timedelta(hours=1, minutes=1)
    assert jobs.callbacks_due(later, True) == {"callbacks_due": 1}  # dry run: no change
    assert TracingTask.objects.get(pk=task.pk).priority == 3
    assert jobs.callbacks_due(later, False) == {"callbacks_due": 1}
    assert TracingTask.objects.get(pk=task.pk).priority == 1
    assert jobs.callbacks_due(later, False) == {"callbacks_due": 0}


def test_overdue_tasks_move_up_and_expired_windows_escalate(world: World, settings) -> None:
    settings.TRACING_RETRY_WINDOW_HOURS = 4
    _clear(world)
    overdue, tried = case_tasks(world.leeds, 2)
    now = timezone.now()
    TracingTask.objects.filter(pk=overdue.pk).update(due_by=now - dt.timedelta(minutes=1))
    record_call_attempt(tried, tracer=world.users["tracer_a"], outcome=Outcome.NO_ANSWER,
                        started_at=now, ended_at=now, source="tests")  # fmt: skip
    later = now + dt.timedelta(hours=5)
    first = jobs.deadline_breaches(later, False)
    assert first == {"overdue_moved_up": 1, "escalated": 1}
    assert TracingTask.objects.get(pk=tried.pk).status == TaskStatus.ESCALATED
    assert TracingTask.objects.get(pk=overdue.pk).priority == 1
    assert jobs.deadline_breaches(later, False) == {"overdue_moved_up": 0, "escalated": 0}


def test_idle_tracers_of_another_team_take_at_risk_tasks(world: World) -> None:
    _clear(world)
    now = timezone.now()
    urgent, later_task = case_tasks(world.leeds, 2)
    TracingTask.objects.filter(pk=urgent.pk).update(due_by=now + dt.timedelta(hours=1))
    TracingTask.objects.filter(pk=later_task.pk).update(due_by=now + dt.timedelta(hours=2))
    contractor_team = Team.objects.create(name="Contractor pool")
    helper = make_user("pool_1", Role.TRACER, world.england, team=contractor_team)
    TracerProfile.objects.create(user=helper, languages=["en"])
    set_tracer_state(helper, "available", source="tests")
    set_tracer_state(world.users["tracer_b"], "available", source="tests")  # Camden: cannot
    assert jobs.lend_idle_capacity(now, True)["assigned"] == 1
    result = jobs.lend_idle_capacity(now, False)
    assert result == {"at_risk": 2, "idle_tracers": 2, "assigned": 1}
    urgent.refresh_from_db()
    assert (urgent.status, urgent.assignee) == (TaskStatus.CLAIMED, helper)  # most urgent first
    again = jobs.lend_idle_capacity(now, False)
    assert again["assigned"] == 0


def test_tasks_of_tracers_gone_offline_return_to_the_queue(world: World) -> None:
    _clear(world)
    [task] = case_tasks(world.leeds, 1)
    tracer = world.users["tracer_a"]
    past = timezone.now() - dt.timedelta(hours=2)
    from tracedesk.tracing.actions import next_task

    assert next_task(tracer, now=past, source="tests") == task
    set_tracer_state(tracer, "offline", at=past + dt.timedelta(minutes=5), source="tests")
    now = timezone.now()
    assert jobs.release_abandoned(now, False) == {"released": 1}
    task.refresh_from_db()
    assert (task.status, task.assignee) == (TaskStatus.OPEN, None)
    assert jobs.release_abandoned(now, False) == {"released": 0}
