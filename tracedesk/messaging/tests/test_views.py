"""Access to the messaging pages, and the public pages opened from links in messages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tracedesk.messaging.actions import send_to_people
from tracedesk.messaging.gateways import FileGateway
from tracedesk.testing.world import PERSONAS, World

# Staff pages and the provider callback (tested below, not in the home matrix).
MESSAGING_ROUTES = {"message-outbox", "notify-status"}
# Pages for people without an account, opened from a single-use link: no sign-in,
# the link's token is the key (tracedesk/selfservice/tests, tracedesk/followup/tests).
PUBLIC_ROUTES = {
    "selfservice-start",
    "selfservice-form",
    "selfservice-done",
    "check-in",
    "check-in-done",
}
OUTBOX_READERS = {"tracer_a", "tracer_b", "supervisor_a", "health_protection"}


@pytest.fixture
def sent_to_both(
    world: World, outbox: FileGateway, django_capture_on_commit_callbacks: Any
) -> None:
    people = [world.district("a").person, world.district("b").person]
    with django_capture_on_commit_callbacks(execute=True):
        send_to_people(
            people, template="notice", context_for=lambda p: {"text": f"Ref {p.pk}."},
            actor=None, purpose="tests", source="tests",
        )  # fmt: skip


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_outbox_shows_messages_in_scope_only(
    sent_to_both: None, world: World, login: Callable[[str], Client], persona: str
) -> None:
    response = login(persona).get(reverse("message-outbox"))
    if persona not in OUTBOX_READERS:
        assert response.status_code == 403
        return
    assert response.status_code == 200
    text = response.content.decode()
    a, b = world.district("a").person, world.district("b").person
    in_a = persona in {"tracer_a", "supervisor_a", "health_protection"}
    assert (f"Ref {a.pk}." in text) == in_a
    assert (f"Ref {b.pk}." in text) == (persona == "tracer_b")


def test_the_outbox_needs_sign_in_get_and_the_file_gateway(
    sent_to_both: None, client: Client, login: Callable[[str], Client], settings: Any
) -> None:
    response = client.get(reverse("message-outbox"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    tracer = login("tracer_a")
    assert tracer.post(reverse("message-outbox")).status_code == 405
    settings.MESSAGE_GATEWAY = "notify"
    assert tracer.get(reverse("message-outbox")).status_code == 404


def test_public_pages_need_no_account_and_refuse_other_methods(
    world: World, client: Client
) -> None:
    assert client.get(reverse("selfservice-done")).status_code == 200
    assert client.get(reverse("check-in-done")).status_code == 200
    for name in ("selfservice-start", "selfservice-form", "check-in"):
        url = reverse(name, kwargs={"token": "x" * 43})
        assert client.get(url).status_code == 404
        assert client.delete(url).status_code == 405
        assert client.get(reverse(name, kwargs={"token": "x" * 200})).status_code == 404
    assert client.post(reverse("selfservice-done")).status_code == 405
