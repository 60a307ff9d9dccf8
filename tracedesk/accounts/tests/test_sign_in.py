"""Passwords, sign-in throttling and lockout, the idle timeout."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tracedesk.accounts.models import LoginFailure, User
from tracedesk.audit.models import AuditEvent
from tracedesk.testing.world import PASSWORD, World

WRONG = "not-the-password-at-all"


def sign_in(client: Client, username: str, password: str, ip: str = "10.9.8.7") -> Any:
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip
    )


def signed_in(response: Any) -> bool:
    return response.status_code == 302 and "_auth_user_id" in response.client.session


# --- Password rules --------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "why"),
    [
        ("short-pass1", "at least 12 characters"),
        ("password1234", "too common"),
        ("123456789012345", "entirely numeric"),
        ("alice.smith.leeds", "too similar"),
    ],
)
def test_weak_passwords_are_refused(db: None, password: str, why: str) -> None:
    user = User(username="alice.smith.leeds", email="alice.smith@example.org", role="tracer")
    with pytest.raises(ValidationError) as raised:
        validate_password(password, user)
    assert any(why in message for message in raised.value.messages)


def test_a_long_unusual_password_is_accepted(db: None) -> None:
    user = User(username="alice.smith.leeds", role="tracer")
    validate_password("plum-anchor-velvet-91", user)


# --- Throttling --------------------------------------------------------------------


def test_an_account_locks_after_five_failures_even_for_the_right_password(
    world: World, client: Client
) -> None:
    for _ in range(5):
        response = sign_in(client, "tracer_a", WRONG)
        assert b"did not match" in response.content
    response = sign_in(client, "tracer_a", PASSWORD)
    assert not signed_in(response)
    assert b"Too many failed sign-ins" in response.content
    # The lock is the account's: the same address may still sign in as someone else,
    # and typing the username in capitals does not escape it.
    assert signed_in(sign_in(Client(), "tracer_b", PASSWORD))
    capitals = sign_in(Client(), "TRACER_A", PASSWORD, ip="10.1.1.1")
    assert b"Too many failed sign-ins" in capitals.content


def test_refused_attempts_do_not_extend_the_lock(world: World, client: Client) -> None:
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for _ in range(5):
            sign_in(client, "tracer_a", WRONG)
    with time_machine.travel(start + dt.timedelta(minutes=10), tick=False):
        assert not signed_in(sign_in(client, "tracer_a", PASSWORD))
        assert LoginFailure.objects.count() == 5
    with time_machine.travel(start + dt.timedelta(minutes=15, seconds=1), tick=False):
        assert signed_in(sign_in(Client(), "tracer_a", PASSWORD))
    assert not LoginFailure.objects.filter(username="tracer_a").exists()  # success clears


def test_failures_spread_over_time_do_not_lock(world: World, client: Client) -> None:
    start = timezone.now()
    for minute in range(0, 80, 16):  # five failures, never more than one per window
        with time_machine.travel(start + dt.timedelta(minutes=minute), tick=False):
            sign_in(client, "tracer_a", WRONG)
    with time_machine.travel(start + dt.timedelta(minutes=81), tick=False):
        assert signed_in(sign_in(Client(), "tracer_a", PASSWORD))


def test_an_address_locks_after_many_failures_across_accounts(
    world: World, client: Client, settings: Any
) -> None:
    settings.LOGIN_FAILURES_PER_IP = 4
    for name in ("nobody1", "nobody2", "nobody3", "nobody4"):
        sign_in(client, name, WRONG, ip="192.0.2.10")
    response = sign_in(client, "tracer_a", PASSWORD, ip="192.0.2.10")
    assert not signed_in(response) and b"Too many failed sign-ins" in response.content
    assert signed_in(sign_in(Client(), "tracer_a", PASSWORD, ip="192.0.2.11"))


def test_an_administrator_unlocks_an_account_and_it_is_audited(
    world: World, client: Client, login: Any
) -> None:
    for _ in range(5):
        sign_in(client, "tracer_a", WRONG)
    tracer = world.users["tracer_a"]
    admin = login("admin")
    page = admin.get(reverse("user-detail", kwargs={"user_id": tracer.pk})).content.decode()
    assert "locked after failed sign-ins" in page
    assert "Locked" in admin.get(reverse("user-list")).content.decode()
    response = admin.post(reverse("user-unlock", kwargs={"user_id": tracer.pk}))
    assert response.status_code == 302
    event = AuditEvent.objects.get(purpose="sign-in lockout lifted")
    assert event.actor == world.users["admin"] and event.object_id == str(tracer.pk)
    assert signed_in(sign_in(client, "tracer_a", PASSWORD))


def test_failed_sign_ins_keep_no_password(world: World, client: Client) -> None:
    sign_in(client, "tracer_a", WRONG)
    failure = LoginFailure.objects.get()
    assert WRONG not in str(failure.__dict__)
    assert failure.ip_address == "10.9.8.7"


# --- Idle timeout ----------------------------------------------------------------------


def test_a_session_ends_after_thirty_idle_minutes(world: World, login: Any) -> None:
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client = login("tracer_a")
    with time_machine.travel(start + dt.timedelta(minutes=29), tick=False):
        assert client.get(reverse("case-list")).status_code == 200  # activity renews it
    with time_machine.travel(start + dt.timedelta(minutes=58), tick=False):
        assert client.get(reverse("case-list")).status_code == 200
    with time_machine.travel(start + dt.timedelta(minutes=89), tick=False):
        response = client.get(reverse("case-list"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_the_worker_forgets_old_failures_only(world: World, client: Client) -> None:
    from tracedesk.accounts.jobs import purge_login_failures

    start = timezone.now()
    with time_machine.travel(start, tick=False):
        sign_in(client, "tracer_a", WRONG)
    with time_machine.travel(start + dt.timedelta(hours=20), tick=False):
        sign_in(client, "tracer_b", WRONG)
    later = start + dt.timedelta(hours=25)
    assert purge_login_failures(later, dry_run=True) == {"would_delete": 1}
    assert LoginFailure.objects.count() == 2
    assert purge_login_failures(later, dry_run=False) == {"deleted": 1}
    assert purge_login_failures(later, dry_run=False) == {"deleted": 0}
    assert list(LoginFailure.objects.values_list("username", flat=True)) == ["tracer_b"]
