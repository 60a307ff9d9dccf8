"""Refused requests (403, or 404 outside scope) are audited, survive rollback, and alert."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.test import Client, RequestFactory
from django.urls import reverse

from tracedesk.accounts.actions import issue_token
from tracedesk.accounts.models import Team, User
from tracedesk.audit import volume
from tracedesk.audit.hooks import audited_api_operation, record_refusal
from tracedesk.audit.models import Action, AlertKind, AuditEvent, Outcome, ReadAlert
from tracedesk.testing.world import World

NOW = dt.datetime(2026, 3, 10, 9, 0, tzinfo=dt.UTC)
YESTERDAY_NOON = dt.datetime(2026, 3, 9, 12, 0, tzinfo=dt.UTC)


def _new_events(fetch: Callable[[], int], status: int) -> list[AuditEvent]:
    before = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    assert fetch() == status
    return list(AuditEvent.objects.filter(pk__gt=before))


def _personal_values(world: World) -> list[str]:
    person = world.district("a").person
    return [person.first_name, person.last_name, person.nhs_number, person.phone]


def test_a_web_page_outside_scope_records_what_was_asked_for(
    world: World, login: Callable[[str], Client]
) -> None:
    person = world.district("a").person
    client = login("tracer_b")
    (event,) = _new_events(
        lambda: client.get(reverse("person-detail", args=[person.pk])).status_code, 404
    )
    user = world.users["tracer_b"]
    assert (event.actor, event.actor_role, event.source) == (user, user.role, "web")
    assert (event.action, event.object_type, event.object_id) == (
        Action.VIEW,
        "people.person",
        str(person.pk),
    )
    assert (event.outcome, event.purpose, event.client_ip) == (
        Outcome.NOT_FOUND,
        "not found: person-detail",
        "127.0.0.1",
    )
    text = f"{event.purpose} {event.object_ids} {event.fields}"
    assert not [value for value in _personal_values(world) if value and value in text]


def test_a_web_page_the_role_may_not_open_is_recorded_as_refused(
    world: World, login: Callable[[str], Client]
) -> None:
    client = login("analyst")
    (event,) = _new_events(lambda: client.get(reverse("case-list") + "?q=Smith").status_code, 403)
    assert (event.action, event.object_type, event.outcome) == (
        Action.LIST,
        "route",
        Outcome.REFUSED,
    )
    assert event.purpose == "refused: case-list"  # never the query string: it may hold names


def test_api_refusals_are_recorded_too(world: World) -> None:
    person = world.district("a").person
    _, key = issue_token(world.users["tracer_b"], "refusals", actor=None, source="tests")
    client = Client(headers={"Authorization": f"Bearer {key}"})
    (event,) = _new_events(lambda: client.get(f"/api/people/{person.pk}").status_code, 404)
    assert (event.actor, event.source, event.outcome) == (
        world.users["tracer_b"],
        "api",
        Outcome.NOT_FOUND,
    )
    assert (event.object_type, event.object_id) == ("people.person", str(person.pk))
    _, key = issue_token(world.users["analyst"], "refusals", actor=None, source="tests")
    analyst = Client(headers={"Authorization": f"Bearer {key}"})
    (event,) = _new_events(lambda: analyst.get("/api/cases").status_code, 403)
    assert (event.actor, event.action, event.outcome) == (
        world.users["analyst"],
        Action.LIST,
        Outcome.REFUSED,
    )


def test_refusals_are_not_reads(world: World, login: Callable[[str], Client]) -> None:
    """A refusal must not count towards read volume, nor as a read in "who accessed this"."""
    person = world.district("a").person
    client = login("tracer_b")
    for _ in range(3):
        client.get(reverse("person-detail", args=[person.pk]))
    start, end = volume.day_bounds(dt.datetime.now(dt.UTC), 0)
    reads = volume.reads_per_user(start, end)
    assert world.users["tracer_b"].pk not in reads.get(world.users["tracer_b"].role, {})
    page = login("supervisor_a").get(reverse("person-access", args=[person.pk]))
    row = next(r for r in page.context["who"] if r["actor__username"] == "tracer_b")
    assert (row["reads"], row["changes"], row["refused"]) == (0, 0, 3)


@pytest.mark.urls("tracedesk.audit.tests.urls_refusal")
def test_a_web_refusal_survives_the_rollback_of_the_views_work(
    world: World, login: Callable[[str], Client]
) -> None:
    client = login("tracer_a")
    (event,) = _new_events(lambda: client.get(reverse("test-refusal", args=[41])).status_code, 404)
    assert not Team.objects.filter(name="written before the refusal").exists()
    assert (event.outcome, event.object_type, event.object_id) == (
        Outcome.NOT_FOUND,
        "people.person",
        "41",
    )


def test_an_api_refusal_survives_the_rollback_of_the_handlers_work(world: World) -> None:
    @transaction.atomic
    def handler(request: object) -> None:
        Team.objects.create(name="written before the refusal")
        raise PermissionDenied

    request = RequestFactory().get("/api/cases")
    request.user = world.users["analyst"]
    with pytest.raises(PermissionDenied):
        audited_api_operation(handler)(request)
    assert not Team.objects.filter(name="written before the refusal").exists()
    event = AuditEvent.objects.get(outcome=Outcome.REFUSED)
    assert (event.actor, event.source) == (world.users["analyst"], "api")


def test_anonymous_refusals_are_not_recorded(db: None) -> None:
    request = RequestFactory().get("/selfservice/not-a-token/")
    request.user = AnonymousUser()
    assert record_refusal(request, Http404()) is None
    assert not AuditEvent.objects.exists()


def _refusals(user: User, count: int, at: dt.datetime = YESTERDAY_NOON) -> None:
    AuditEvent.objects.bulk_create(
        AuditEvent(
            at=at,
            actor=user,
            actor_role=user.role,
            source="web",
            action=Action.VIEW,
            object_type="people.person",
            object_id=str(1000 + n),
            purpose="not found: person-detail",
            outcome=Outcome.NOT_FOUND,
        )
        for n in range(count)
    )


def test_many_refusals_in_a_day_raise_a_refusals_alert(world: World) -> None:
    prober, careless = world.users["tracer_b"], world.users["tracer_a"]
    _refusals(prober, volume.REFUSALS_PER_DAY)
    _refusals(careless, volume.REFUSALS_PER_DAY - 1)
    totals = volume.run(NOW, dry_run=True)
    assert totals["refusals_flagged"] == 1 and not ReadAlert.objects.exists()
    volume.run(NOW, dry_run=False)
    (alert,) = ReadAlert.objects.all()
    assert (alert.user, alert.kind, alert.reads, alert.threshold) == (
        prober,
        AlertKind.REFUSALS,
        volume.REFUSALS_PER_DAY,
        volume.REFUSALS_PER_DAY,
    )
    volume.run(NOW, dry_run=False)  # idempotent
    assert ReadAlert.objects.count() == 1


def test_the_alerts_page_explains_a_refusals_alert(
    world: World, login: Callable[[str], Client]
) -> None:
    _refusals(world.users["tracer_b"], volume.REFUSALS_PER_DAY + 2)
    volume.run(NOW, dry_run=False)
    page = login("admin").get(reverse("audit-alerts")).content.decode()
    assert f"{volume.REFUSALS_PER_DAY + 2} refused requests" in page
