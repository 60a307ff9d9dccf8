"""The demo puts playable self-service and check-in links in its outbox."""

from __future__ import annotations

from typing import Any

from django.test import Client
from django.urls import reverse

from tracedesk.accounts.roles import Role
from tracedesk.messaging.gateways import FileGateway
from tracedesk.selfservice.demo import populate
from tracedesk.testing.world import World, make_user
from tracedesk.tracing.actions import complete_task
from tracedesk.tracing.models import TracingTask


def test_populate_invites_cases_and_sends_check_ins_into_the_outbox(
    world: World, outbox: FileGateway, login: Any
) -> None:
    make_user("demo.tracer.leeds", Role.TRACER, world.leeds)
    contact = world.district("a").contact
    contact.person.phone = "07700900777"
    contact.person.save()
    complete_task(
        TracingTask.objects.get(contact=contact), reason="tests", actor=None, source="tests"
    )
    summary = populate(seed=1)
    assert summary.startswith("Self-service: 2 cases invited") and "1 contacts" in summary
    bodies = [line["body"] for line in outbox.read()]
    assert sum("/s/" in body for body in bodies) == 2
    assert sum("/check-in/" in body for body in bodies) == 1
    page = login("tracer_a").get(reverse("message-outbox"))
    assert page.status_code == 200 and b"1980-01-02" in page.content  # the date to confirm
    assert Client().get(reverse("message-outbox")).status_code == 302


def test_populate_skips_without_the_file_gateway(world: World, settings: Any) -> None:
    settings.MESSAGE_GATEWAY = "smtp"
    assert "skipped" in populate(seed=1)
