"""New cases are invited to the form; their call waits for it, and comes if it is not done."""

from __future__ import annotations

import datetime as dt
from typing import Any

import time_machine
from django.utils import timezone

from tracedesk.messaging.gateways import FileGateway
from tracedesk.messaging.models import Message
from tracedesk.selfservice.actions import invitable_cases, invite_new_cases
from tracedesk.selfservice.models import AccessLink, LinkKind, hash_token
from tracedesk.testing.world import World
from tracedesk.tracing.models import TaskStatus

from .helpers import invite_and_read_link


def test_each_new_case_is_invited_once_and_its_call_waits(
    world: World, outbox: FileGateway, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.SELF_SERVICE_HOURS = 4
    now = timezone.now()
    with time_machine.travel(now, tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            counts = invite_new_cases(now, False)
        assert counts == {
            "found": 2,
            "invited": 2,
            "no_birth_date": 0,
            "no_channel": 0,
            "already": 0,
        }
        assert invite_new_cases(now, False)["found"] == 0  # idempotent
    links = AccessLink.objects.filter(kind=LinkKind.SELF_SERVICE)
    assert links.count() == 2
    lines = outbox.read()
    assert len(lines) == 2 and all(len(line["to"]) == 11 for line in lines)
    for district in ("a", "b"):
        task = world.district(district).case_task
        task.refresh_from_db()
        assert task.status == TaskStatus.OPEN
        assert task.available_from == now + dt.timedelta(hours=4)
    # Only the token's hash is stored; the message body is dropped once delivered.
    token = lines[0]["body"].split("/s/")[1].split("/")[0]
    assert links.filter(token_hash=hash_token(token)).exists()
    assert not AccessLink.objects.filter(token_hash=token).exists()
    assert not Message.objects.exclude(body="").exists()


def test_a_dry_run_invites_nobody(world: World, outbox: FileGateway) -> None:
    assert invite_new_cases(timezone.now(), True)["found"] == 2
    assert not AccessLink.objects.exists() and outbox.read() == []


def test_cases_without_a_birth_date_or_a_channel_are_called_instead(
    world: World, outbox: FileGateway
) -> None:
    a, b = world.district("a").person, world.district("b").person
    a.date_of_birth = None
    a.save()
    b.phone, b.email = "", ""
    b.save()
    counts = invite_new_cases(timezone.now(), False)
    assert (counts["no_birth_date"], counts["no_channel"], counts["invited"]) == (1, 1, 0)
    task = world.district("a").case_task
    task.refresh_from_db()
    assert task.available_from is None  # the call goes ahead


def test_old_complex_or_claimed_cases_are_not_invited(world: World) -> None:
    now = timezone.now()
    a, b = world.district("a"), world.district("b")
    a.case.is_complex = True
    a.case.save()
    b.case_task.status = TaskStatus.CLAIMED
    b.case_task.assignee = world.users["tracer_b"]
    b.case_task.save()
    assert invitable_cases(now) == []
    assert invitable_cases(now + dt.timedelta(days=2)) == []


def test_the_link_in_the_message_opens_the_form(
    world: World, outbox: FileGateway, client: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from .helpers import path_of

    url = invite_and_read_link(outbox, django_capture_on_commit_callbacks, district_case=None)
    response = client.get(path_of(url))
    assert response.status_code == 200
    assert b"date of birth" in response.content
