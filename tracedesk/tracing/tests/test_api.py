"""The queue through the API: access matrix, "next", outcomes, interview, console, assign."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tracedesk.cases.models import Contact
from tracedesk.testing.api_routes import RouteCall, call, token_client
from tracedesk.testing.world import PERSONAS, World
from tracedesk.tracing.models import Interview, TaskStatus, TracingTask

MATRIX: dict[tuple[str, str], RouteCall] = {
    ("POST", "/api/tasks/next"): RouteCall(kind="create", url=lambda d: "/api/tasks/next"),
    ("GET", "/api/tasks/mine"): RouteCall(kind="list", url=lambda d: "/api/tasks/mine"),
    ("GET", "/api/tasks/{task_id}"): RouteCall(
        kind="detail", url=lambda d: f"/api/tasks/{d.case_task.pk}"
    ),
    ("GET", "/api/tasks/{task_id}/script"): RouteCall(
        kind="detail", url=lambda d: f"/api/tasks/{d.case_task.pk}/script"
    ),
    ("POST", "/api/tasks/{task_id}/attempts"): RouteCall(
        kind="create",
        url=lambda d: f"/api/tasks/{d.case_task.pk}/attempts",
        body=lambda d: {"outcome": "no_answer"},
    ),
    ("POST", "/api/tasks/{task_id}/interview"): RouteCall(
        kind="create",
        url=lambda d: f"/api/tasks/{d.case_task.pk}/interview",
        body=lambda d: {"identity_confirmed": True},
    ),
    ("POST", "/api/tasks/{task_id}/release"): RouteCall(
        kind="create", url=lambda d: f"/api/tasks/{d.case_task.pk}/release"
    ),
    ("POST", "/api/tracer/state"): RouteCall(
        kind="create", url=lambda d: "/api/tracer/state", body=lambda d: {"state": "available"}
    ),
    ("GET", "/api/queue"): RouteCall(
        kind="list", url=lambda d: "/api/queue", persona="supervisor_a"
    ),
    ("POST", "/api/task-assignments"): RouteCall(
        kind="create",
        url=lambda d: "/api/task-assignments",
        body=lambda d: {"task_ids": [d.case_task.pk], "tracer_id": 1},
        persona="supervisor_a",
    ),
}

WORKERS = {"tracer_a", "tracer_b", "supervisor_a", "health_protection"}


@pytest.mark.parametrize("persona", PERSONAS)
def test_who_may_work_the_queue(world: World, persona: str) -> None:
    client = token_client(world.users[persona])
    response = call(client, "POST", "/api/tasks/next")
    assert response.status_code == (200 if persona in WORKERS else 403)
    task_url = f"/api/tasks/{world.district('a').case_task.pk}"
    expected = {"tracer_a": 200, "supervisor_a": 200, "health_protection": 200, "tracer_b": 404}
    assert call(client, "GET", task_url).status_code == expected.get(persona, 403)
    console = call(client, "GET", "/api/queue")
    assert console.status_code == (200 if persona == "supervisor_a" else 403)


def test_next_then_not_reached_then_reached_through_the_api(world: World) -> None:
    client = token_client(world.users["tracer_a"])
    first = call(client, "POST", "/api/tasks/next").json()
    assert first["state"] == "on_call" and first["task"]["status"] == "claimed"
    task_id = first["task"]["id"]
    assert call(client, "GET", "/api/tasks/mine").json()[0]["id"] == task_id
    callback = (timezone.now() + dt.timedelta(hours=2)).isoformat()
    response = call(client, "POST", f"/api/tasks/{task_id}/attempts",
                    {"outcome": "callback", "callback_at": callback})  # fmt: skip
    assert response.status_code == 201
    assert response.json()["task"]["status"] == "open"
    assert response.json()["task"]["available_from"] is not None
    bad = call(client, "POST", f"/api/tasks/{task_id}/attempts", {"outcome": "callback"})
    assert bad.status_code in {400, 422} and "callback_at" in bad.text
    # The other task (the contact) comes next; the callback waits.
    second = call(client, "POST", "/api/tasks/next").json()["task"]
    assert second["id"] != task_id
    script = call(client, "GET", f"/api/tasks/{second['id']}/script").json()
    expected = "case_standard" if second["kind"] == "reach_case" else "contact_standard"
    assert script["key"] == expected and script["version"] >= 1
    done = call(client, "POST", f"/api/tasks/{second['id']}/interview",
                {"identity_confirmed": True, "isolation_advice_given": True})  # fmt: skip
    assert done.status_code == 201, done.json()
    assert Interview.objects.get(pk=done.json()["id"]).task_id == second["id"]
    assert TracingTask.objects.get(pk=second["id"]).status == TaskStatus.DONE
    empty = call(client, "POST", "/api/tasks/next").json()
    assert empty == {"task": None, "state": "available"}


def test_case_interview_through_the_api_adds_household_first(world: World) -> None:
    client = token_client(world.users["tracer_a"])
    world.district("a").contact.tasks.update(status=TaskStatus.CANCELLED)
    task_id = call(client, "POST", "/api/tasks/next").json()["task"]["id"]
    script = call(client, "GET", f"/api/tasks/{task_id}/script").json()
    assert script["steps"][0]["key"] == "identity"
    household = script["household_person_ids"]
    assert household
    today = timezone.localdate().isoformat()
    body = {
        "identity_confirmed": True,
        "has_symptoms": False,
        "places": [{"setting_id": world.district("a").setting.pk, "attended_on": today}],
        "contacts": [
            {"person_id": household[0], "contact_type": "household", "last_exposure_date": today},
            {"first_name": "Api", "last_name": "Colleague", "contact_type": "work",
             "proximity": "within_1m", "last_exposure_date": today},
        ],
    }  # fmt: skip
    response = call(client, "POST", f"/api/tasks/{task_id}/interview", body)
    assert response.status_code == 201, response.json()
    assert response.json()["contacts_recorded"] == 2
    assert Contact.objects.filter(case=world.district("a").case, person__first_name="Api").exists()
    outsider = dict(body, places=[{"setting_id": world.district("b").setting.pk,
                                   "attended_on": today}])  # fmt: skip
    again = call(client, "POST", f"/api/tasks/{task_id}/interview", outsider)
    assert again.status_code in {400, 422}


def test_supervisor_assigns_and_sees_the_console(world: World) -> None:
    supervisor = token_client(world.users["supervisor_a"])
    task = world.district("a").case_task
    tracer = world.users["tracer_a"]
    response = call(supervisor, "POST", "/api/task-assignments",
                    {"task_ids": [task.pk, 999999], "tracer_id": tracer.pk})  # fmt: skip
    assert response.json() == {"assigned": [task.pk], "not_assigned": [999999]}
    task.refresh_from_db()
    assert (task.status, task.assignee) == (TaskStatus.CLAIMED, tracer)
    outside = call(supervisor, "POST", "/api/task-assignments",
                   {"task_ids": [task.pk], "tracer_id": world.users["tracer_b"].pk})  # fmt: skip
    assert outside.status_code == 404  # tracer_b is not one of this supervisor's tracers
    console = call(supervisor, "GET", "/api/queue").json()
    assert console["depth"]["claimed"] >= 1
    assert [row["username"] for row in console["tracers"]] == ["tracer_a"]
