"""The tracer's call-queue pages and the supervisor console, in a browser-less client."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tracedesk.testing.world import PERSONAS, World
from tracedesk.tracing.models import Interview, TaskStatus, TracerStateChange, TracingTask

TRACING_ROUTES = {
    "tracing-work", "tracing-next", "tracing-state", "tracing-task", "tracing-attempt",
    "tracing-interview", "tracing-give-back", "tracing-console", "tracing-assign",
}  # fmt: skip
WORKERS = {"tracer_a", "tracer_b", "supervisor_a", "health_protection"}


@pytest.mark.parametrize("persona", PERSONAS)
def test_access_matrix(world: World, login: Callable[[str], Client], persona: str) -> None:
    client = login(persona)
    task = world.district("a").case_task
    worker = persona in WORKERS
    assert client.get(reverse("tracing-work")).status_code == (200 if worker else 403)
    expected_task = {"tracer_b": 404}.get(persona, 200 if worker else 403)
    page = client.get(reverse("tracing-task", args=[task.pk]))
    assert page.status_code == expected_task
    for name in ("tracing-attempt", "tracing-interview", "tracing-give-back"):
        status = client.post(reverse(name, args=[999999])).status_code
        assert status == (404 if worker else 403), name
    console = client.get(reverse("tracing-console"))
    assert console.status_code == (200 if persona == "supervisor_a" else 403)
    assign = client.post(reverse("tracing-assign"), {"task": [task.pk], "tracer": 999999})
    assert assign.status_code == (404 if persona == "supervisor_a" else 403)
    state = client.post(reverse("tracing-state"), {"state": "available"})
    assert state.status_code == (302 if worker else 403)


@pytest.mark.parametrize("name", sorted(TRACING_ROUTES))
def test_anonymous_is_sent_to_login(world: World, client: Client, name: str) -> None:
    with_id = {"tracing-task", "tracing-attempt", "tracing-interview", "tracing-give-back"}
    args = [world.district("a").case_task.pk] if name in with_id else []
    send = (
        client.get if name in {"tracing-work", "tracing-task", "tracing-console"} else client.post
    )
    response = send(reverse(name, args=args))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(
    ("name", "method"),
    [("tracing-work", "post"), ("tracing-next", "get"), ("tracing-console", "post"),
     ("tracing-assign", "get"), ("tracing-state", "get")],
)  # fmt: skip
def test_wrong_method_is_405(
    world: World, login: Callable[[str], Client], name: str, method: str
) -> None:
    assert getattr(login("supervisor_a"), method)(reverse(name)).status_code == 405


def test_a_tracer_presses_next_and_records_outcomes(
    world: World, login: Callable[[str], Client]
) -> None:
    client = login("tracer_a")
    page = client.get(reverse("tracing-work"))
    assert b"Next task" in page.content and b"2 tasks waiting" in page.content
    response = client.post(reverse("tracing-next"))
    assert response.status_code == 302
    task = TracingTask.objects.get(assignee=world.users["tracer_a"], status=TaskStatus.CLAIMED)
    assert response["Location"] == reverse("tracing-task", args=[task.pk])
    page = client.get(response["Location"])
    assert b"Record outcome" in page.content and b"Finish: record the interview" in page.content
    # A callback without a time is refused, naming the field; nothing is recorded.
    refused = client.post(reverse("tracing-attempt", args=[task.pk]), {"outcome": "callback"})
    assert refused.status_code == 400 and b"Give the time to call back" in refused.content
    assert not task.attempts.exists()
    later = timezone.localtime() + dt.timedelta(hours=3)
    callback = {"outcome": "callback", "callback_at": later.strftime("%Y-%m-%dT%H:%M")}
    client.post(reverse("tracing-attempt", args=[task.pk]), callback)
    task.refresh_from_db()
    assert task.status == TaskStatus.OPEN and task.available_from is not None
    # Next gives the other task; the tracer interviews the person.
    client.post(reverse("tracing-next"))
    other = TracingTask.objects.get(assignee=world.users["tracer_a"], status=TaskStatus.CLAIMED)
    assert other.pk != task.pk
    missing = client.post(reverse("tracing-interview", args=[other.pk]), {})
    assert missing.status_code == 400 and b"confirm the person" in missing.content
    done = client.post(
        reverse("tracing-interview", args=[other.pk]),
        {"identity_confirmed": "on", "has_symptoms": "no", "isolation_advice_given": "on"},
    )
    assert done.status_code == 302
    assert Interview.objects.filter(task=other).exists()
    states = TracerStateChange.objects.filter(user=world.users["tracer_a"])
    assert list(states.values_list("state", flat=True)) == [
        "on_call",
        "wrap_up",
        "on_call",
        "wrap_up",
    ]
    client.post(reverse("logout"))
    assert states.order_by("-at", "-pk").first().state == "offline"  # type: ignore[union-attr]


def test_the_console_shows_depth_tracers_and_assigns(
    world: World, login: Callable[[str], Client]
) -> None:
    client = login("supervisor_a")
    task = world.district("a").case_task
    TracingTask.objects.filter(pk=task.pk).update(due_by=timezone.now())  # overdue now
    page = client.get(reverse("tracing-console"))
    assert b"tracer_a" in page.content and b"Overdue" in page.content
    fragment = client.get(reverse("tracing-console"), headers={"HX-Request": "true"})
    assert b"<html" not in fragment.content and b"depth-waiting" in fragment.content
    response = client.post(
        reverse("tracing-assign"), {"task": [task.pk], "tracer": world.users["tracer_a"].pk}
    )
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.assignee == world.users["tracer_a"] and task.status == TaskStatus.CLAIMED
    # tracer_a's "next" now brings the assigned task first.
    tracer = login("tracer_a")
    assert tracer.post(reverse("tracing-next"))["Location"] == reverse(
        "tracing-task", args=[task.pk]
    )


def test_a_settings_task_page_names_the_place(world: World, login: Callable[[str], Client]) -> None:
    """A "notify a setting" task has no person to call: its page shows the place instead."""
    from tracedesk.tracing.actions import open_task
    from tracedesk.tracing.models import TaskKind

    setting = world.district("a").setting
    task = open_task(
        TaskKind.NOTIFY_SETTING, setting=setting, due_by=timezone.now() + dt.timedelta(hours=4),
        actor=None, source="tests",
    )  # fmt: skip
    page = login("tracer_a").get(reverse("tracing-task", args=[task.pk]))
    assert page.status_code == 200
    assert f"{task.get_kind_display()}: {setting.name}" in page.content.decode()
    assert "Date of birth" not in page.content.decode()
