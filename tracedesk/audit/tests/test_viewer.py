"""The audit viewer, "who accessed this" on a person, and read-volume alerts in the web UI."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tracedesk.audit.actions import record_event, record_events
from tracedesk.audit.models import Action, AuditEvent, ReadAlert
from tracedesk.audit.queries import PAGE_SIZE
from tracedesk.people.models import Person
from tracedesk.testing.world import PERSONAS, World

AUDIT_ROUTES = {"audit-trail", "audit-alerts", "audit-acknowledge", "person-access"}
TRAIL_READERS = {"admin"}
RECORD_AUDITORS = {"supervisor_a": 200, "admin": 200, "tracer_b": 403}


def _alert(world: World, persona: str = "tracer_a") -> ReadAlert:
    start = dt.datetime(2026, 1, 5, tzinfo=dt.UTC)
    return ReadAlert.objects.create(
        user=world.users[persona], role="tracer", period_start=start,
        period_end=start + dt.timedelta(days=1), reads=400, peers=8, peer_median=40,
        peer_mad=5, threshold=66,
    )  # fmt: skip


@pytest.mark.parametrize("persona", PERSONAS)
def test_access(world: World, login: Callable[[str], Client], persona: str) -> None:
    client = login(persona)
    alert = _alert(world)
    expected = 200 if persona in TRAIL_READERS else 403
    assert client.get(reverse("audit-trail")).status_code == expected
    assert client.get(reverse("audit-alerts")).status_code == expected
    posted = client.post(reverse("audit-acknowledge", args=[alert.pk]), {"note": "checked"})
    assert posted.status_code == (302 if persona in TRAIL_READERS else 403)
    person = world.district("a").person
    access = client.get(reverse("person-access", args=[person.pk]))
    # supervisors and administrators audit records; tracer_b's role may not; others neither
    assert access.status_code == {"supervisor_a": 200, "admin": 200}.get(persona, 403)


def test_a_person_outside_scope_is_not_found(world: World, login: Callable[[str], Client]) -> None:
    camden = world.district("b").person
    assert login("supervisor_a").get(reverse("person-access", args=[camden.pk])).status_code == 404
    assert login("supervisor_a").get(reverse("person-access", args=[999_999])).status_code == 404


def test_anonymous_and_wrong_methods(
    world: World, client: Client, login: Callable[[str], Client]
) -> None:
    alert = _alert(world)
    person = world.district("a").person
    for url in (
        reverse("audit-trail"),
        reverse("audit-alerts"),
        reverse("person-access", args=[person.pk]),
    ):
        assert client.get(url).status_code == 302
    client = login("admin")
    assert client.post(reverse("audit-trail")).status_code == 405
    assert client.get(reverse("audit-acknowledge", args=[alert.pk])).status_code == 405
    assert (
        client.post(reverse("audit-acknowledge", args=[999_999]), {"note": "x"}).status_code == 404
    )


def test_person_page_links_to_who_accessed_it(world: World, login: Callable[[str], Client]) -> None:
    person = world.district("a").person
    link = reverse("person-access", args=[person.pk]).encode()
    assert link in login("supervisor_a").get(reverse("person-detail", args=[person.pk])).content
    assert link not in login("tracer_a").get(reverse("person-detail", args=[person.pk])).content


def test_who_accessed_lists_each_reader_of_the_person_and_their_records(
    world: World, login: Callable[[str], Client]
) -> None:
    a = world.district("a")
    login("tracer_a").get(reverse("case-detail", args=[a.case.pk]))
    login("tracer_a").get(reverse("person-list") + "?q=CaseA")  # a search that showed them
    login("health_protection").get(reverse("person-detail", args=[a.person.pk]))
    login("tracer_a").get(reverse("person-detail", args=[world.district("a").contact.person_id]))
    page = login("supervisor_a").get(reverse("person-access", args=[a.person.pk]))
    who = {row["actor__username"]: row for row in page.context["who"]}
    assert who["tracer_a"]["reads"] == 2  # the case page and the search, not the other person
    assert who["health_protection"]["reads"] == 1
    events = page.context["page"].events
    assert {(e.object_type, e.action) for e in events} >= {
        ("cases.case", "view"), ("people.person", "list"), ("people.person", "view"),
        ("people.person", "create"), ("cases.case", "create"),
    }  # fmt: skip
    assert all(e.object_id != str(a.contact.pk) for e in events if e.object_type == "cases.contact")
    # looking at the report is itself recorded, as a view of the person
    assert AuditEvent.objects.filter(
        actor=world.users["supervisor_a"], object_type="people.person",
        object_id=str(a.person.pk), purpose="who accessed this person",
    ).exists()  # fmt: skip


def test_the_trail_filters_by_user_person_action_and_dates(
    world: World, login: Callable[[str], Client]
) -> None:
    a, b = world.district("a"), world.district("b")
    login("tracer_a").get(reverse("person-detail", args=[a.person.pk]))
    login("tracer_b").get(reverse("person-detail", args=[b.person.pk]))
    with transaction.atomic():
        record_events(None, Action.UPDATE, Person, [b.person.pk, a.person.pk], purpose="bulk")
    admin = login("admin")

    def shown(query: str) -> list[AuditEvent]:
        response = admin.get(reverse("audit-trail") + query)
        assert response.status_code == 200
        return response.context["page"].events

    page = admin.get(reverse("audit-trail") + "?user=tracer_a").content.decode()
    assert reverse("person-access", args=[a.person.pk]) in page  # on to "who accessed this"
    by_user = shown("?user=tracer_a")
    assert by_user and {e.actor_id for e in by_user} == {world.users["tracer_a"].pk}
    about_b = shown(f"?person={b.person.pk}")
    assert {e.purpose for e in about_b} >= {"person page", "bulk"}
    assert all(
        e.object_id in ("", str(b.person.pk)) or e.object_type != "people.person" for e in about_b
    )
    assert not [e for e in about_b if e.actor == world.users["tracer_a"]]
    views = shown("?action=view")
    assert views and {e.action for e in views} == {"view"}
    today = timezone.localdate()
    assert shown(f"?since={today + dt.timedelta(days=2)}") == []
    assert shown(f"?until={today - dt.timedelta(days=2)}") == []
    assert shown(f"?since={today - dt.timedelta(days=1)}&until={today + dt.timedelta(days=1)}")


def test_bad_filters_say_what_is_wrong(world: World, login: Callable[[str], Client]) -> None:
    admin = login("admin")
    page = admin.get(reverse("audit-trail") + "?user=nobody-here&since=2026-02-01&until=2026-01-01")
    assert page.status_code == 200
    text = page.content.decode()
    assert "There is no user named “nobody-here”." in text
    assert "The end date is before the start date." in text
    assert admin.get(reverse("audit-trail") + "?person=abc").status_code == 200


def test_the_trail_pages_by_key_with_no_count(world: World, login: Callable[[str], Client]) -> None:
    person = world.district("a").person
    with transaction.atomic():
        for _ in range(PAGE_SIZE + 5):
            record_events(None, Action.UPDATE, Person, [person.pk], purpose="bulk")
    admin = login("admin")
    first = admin.get(reverse("audit-trail") + "?action=update")
    events = first.context["page"].events
    assert len(events) == PAGE_SIZE
    assert first.context["next"] == f"?action=update&before={events[-1].pk}"
    second = admin.get(reverse("audit-trail") + first.context["next"]).context["page"].events
    assert second and max(e.pk for e in second) < events[-1].pk
    assert not {e.pk for e in second} & {e.pk for e in events}


def test_the_trail_costs_the_same_queries_however_many_events(
    world: World, login: Callable[[str], Client]
) -> None:
    person = world.district("a").person
    admin = login("admin")
    url = reverse("audit-trail") + f"?person={person.pk}"

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert admin.get(url).status_code == 200
        return len(captured)

    few = queries()
    with transaction.atomic():
        for _ in range(60):
            record_events(None, Action.UPDATE, Person, [person.pk], purpose="bulk")
            record_event(None, Action.VIEW, person, purpose="page")
    assert queries() == few


def test_reviewing_an_alert_is_recorded(world: World, login: Callable[[str], Client]) -> None:
    alert = _alert(world)
    admin = login("admin")
    page = admin.get(reverse("audit-alerts"))
    assert "tracer_a (tracer)" in page.content.decode()
    refused = admin.post(reverse("audit-acknowledge", args=[alert.pk]), {"note": ""})
    assert refused.status_code == 302
    alert.refresh_from_db()
    assert alert.acknowledged_at is None
    admin.post(reverse("audit-acknowledge", args=[alert.pk]), {"note": "covering a colleague"})
    alert.refresh_from_db()
    assert alert.acknowledged_by == world.users["admin"] and alert.note == "covering a colleague"
    event = AuditEvent.objects.get(object_type="audit.readalert", object_id=str(alert.pk))
    assert (event.action, event.actor) == ("update", world.users["admin"])
    assert "1 read-volume alert" not in admin.get(reverse("audit-trail")).content.decode()
