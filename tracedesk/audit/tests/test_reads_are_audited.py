"""Every page and API route that shows personal data leaves an audit event, without values."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from tracedesk.accounts.actions import issue_token
from tracedesk.audit.models import AuditEvent
from tracedesk.testing.world import World

WEB = {
    "person-list": lambda w: reverse("person-list") + "?q=Testperson",
    "case-list": lambda w: reverse("case-list"),
    "tracer-home": lambda w: reverse("tracer-home"),
    "person-detail": lambda w: reverse("person-detail", args=[w.district("a").person.pk]),
    "case-detail": lambda w: reverse("case-detail", args=[w.district("a").case.pk]),
    "contact-detail": lambda w: reverse("contact-detail", args=[w.district("a").contact.pk]),
    "setting-detail": lambda w: reverse("setting-detail", args=[w.district("a").setting.pk]),
}
API = {
    "people": lambda w: "/api/people?q=Testperson",
    "person": lambda w: f"/api/people/{w.district('a').person.pk}",
    "cases": lambda w: "/api/cases",
    "case": lambda w: f"/api/cases/{w.district('a').case.pk}",
    "case-contacts": lambda w: f"/api/cases/{w.district('a').case.pk}/contacts",
    "contacts": lambda w: "/api/contacts",
    "contact": lambda w: f"/api/contacts/{w.district('a').contact.pk}",
}


def _new_events(world: World, fetch: Callable[[], int]) -> list[AuditEvent]:
    before = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    assert fetch() == 200
    return list(AuditEvent.objects.filter(pk__gt=before))


def _assert_no_personal_values(world: World, events: list[AuditEvent]) -> None:
    person = world.district("a").person
    text = " ".join(f"{e.object_id} {e.purpose} {e.fields}" for e in events)
    for value in (person.first_name, person.last_name, person.nhs_number, "Testperson"):
        assert value not in text


@pytest.mark.parametrize("name", sorted(WEB))
def test_web_reads_are_audited(world: World, login: Callable[[str], Client], name: str) -> None:
    client = login("tracer_a")
    events = _new_events(world, lambda: client.get(WEB[name](world)).status_code)
    assert len(events) == 1
    event = events[0]
    assert event.actor == world.users["tracer_a"] and event.actor_role == "tracer"
    assert event.source == "web" and event.action in {"view", "list"}
    assert event.client_ip == "127.0.0.1"
    _assert_no_personal_values(world, events)


@pytest.mark.parametrize("name", sorted(API))
def test_api_reads_are_audited(world: World, client: Client, name: str) -> None:
    _, token = issue_token(world.users["supervisor_a"], "audit test", actor=None, source="tests")
    headers = {"Authorization": f"Bearer {token}"}
    events = _new_events(world, lambda: client.get(API[name](world), headers=headers).status_code)
    assert [(e.source, e.actor) for e in events] == [("api", world.users["supervisor_a"])]
    _assert_no_personal_values(world, events)


def test_a_detail_view_names_the_record(world: World, login: Callable[[str], Client]) -> None:
    case = world.district("a").case
    events = _new_events(
        world, lambda: login("tracer_a").get(WEB["case-detail"](world)).status_code
    )
    assert [(e.action, e.object_type, e.object_id) for e in events] == [
        ("view", "cases.case", str(case.pk))
    ]
