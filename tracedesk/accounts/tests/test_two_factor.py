"""TOTP two-factor sign-in: required for supervisors, health protection and admins."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tracedesk.accounts import twofactor
from tracedesk.accounts.models import RecoveryCode, SealedTOTPDevice
from tracedesk.audit.models import AuditEvent
from tracedesk.testing.api_routes import bearer_token
from tracedesk.testing.twofactor import enrolled_device
from tracedesk.testing.world import PASSWORD, World


def password_step(client: Client, username: str) -> Any:
    response = client.post(reverse("login"), {"username": username, "password": PASSWORD})
    assert response.status_code == 302
    return client.get(response["Location"])


def code_after(device: SealedTOTPDevice, seconds: int) -> str:
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=seconds), tick=False):
        return twofactor.current_code(device)


@pytest.mark.parametrize("persona", ["supervisor_a", "health_protection", "admin"])
def test_first_sign_in_of_a_two_factor_role_sets_up_the_app(world: World, persona: str) -> None:
    client = Client()
    response = password_step(client, persona)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("two-factor-setup"))
    # Nothing else opens before the code: not the home page, not the API, not the admin.
    for path in ("/", "/cases/", "/statistics/", "/admin/"):
        blocked = client.get(path)
        assert blocked.status_code == 302 and "/accounts/two-factor/" in blocked["Location"]
    assert client.get("/api/cases").status_code == 401
    # Another authorisation scheme does not slip the session past the second factor.
    basic = client.get("/api/cases", headers={"Authorization": "Basic c3VwZXJ2aXNvcjp4"})
    assert basic.status_code == 401
    page = client.get(reverse("two-factor-setup"))
    assert b"<svg" in page.content and b"QR code" in page.content
    device = SealedTOTPDevice.objects.get(user=world.users[persona], confirmed=False)
    secret = re.search(rb'class="secret">([A-Z2-7]+)<', page.content)
    assert secret is not None and secret.group(1).decode() == twofactor.secret_base32(device)

    wrong = client.post(reverse("two-factor-setup"), {"code": "000000"})
    assert b"not right" in wrong.content
    done = client.post(
        reverse("two-factor-setup"), {"code": twofactor.current_code(device), "next": "/"}
    )
    codes = re.findall(rb"<code>([A-Z0-9]{5}-[A-Z0-9]{5})</code>", done.content)
    assert len(codes) == 10
    assert RecoveryCode.objects.filter(user=world.users[persona]).count() == 10
    assert not RecoveryCode.objects.filter(code_hash__in=codes).exists()  # only hashes kept
    assert client.get("/", follow=True).status_code == 200
    assert AuditEvent.objects.filter(purpose="two-factor sign-in set up").count() == 1


def test_every_later_sign_in_asks_for_a_code(world: World) -> None:
    user = world.users["supervisor_a"]
    device = enrolled_device(user)
    client = Client()
    response = password_step(client, "supervisor_a")
    assert response["Location"].startswith(reverse("two-factor-verify"))
    # Knowing the password is not enough to replace the authenticator.
    setup = client.get(reverse("two-factor-setup"))
    assert setup.status_code == 302 and setup["Location"].startswith(reverse("two-factor-verify"))
    wrong = client.post(reverse("two-factor-verify"), {"code": "123456"})
    assert b"not right" in wrong.content
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=5), tick=False):
        code = twofactor.current_code(device)
        ok = client.post(reverse("two-factor-verify"), {"code": code, "next": "/supervisor/"})
        assert ok.status_code == 302 and ok["Location"] == "/supervisor/"
        assert client.get("/supervisor/").status_code == 200
        # The same code cannot be used again in another session (replay).
        other = Client()
        password_step(other, "supervisor_a")
        replay = other.post(reverse("two-factor-verify"), {"code": code})
        assert replay.status_code == 200 and b"not right" in replay.content


def test_wrong_codes_are_throttled(world: World) -> None:
    device = enrolled_device(world.users["supervisor_a"])
    client = Client()
    password_step(client, "supervisor_a")
    now = timezone.now()
    with time_machine.travel(now, tick=False):
        for _ in range(4):
            client.post(reverse("two-factor-verify"), {"code": "000000"})
        good = twofactor.current_code(device)
        refused = client.post(reverse("two-factor-verify"), {"code": good})
        assert b"Too many wrong codes" in refused.content
    with time_machine.travel(now + dt.timedelta(seconds=20), tick=False):
        good = twofactor.current_code(device)
        assert client.post(reverse("two-factor-verify"), {"code": good}).status_code == 302


def test_a_recovery_code_works_once(world: World) -> None:
    user = world.users["admin"]
    enrolled_device(user)
    codes = twofactor.new_recovery_codes(user)
    client = Client()
    password_step(client, "admin")
    response = client.post(reverse("two-factor-verify"), {"code": codes[0].lower()})
    assert response.status_code == 302
    assert client.get(reverse("admin-home")).status_code == 200
    again = Client()
    password_step(again, "admin")
    refused = again.post(reverse("two-factor-verify"), {"code": codes[0]})
    assert refused.status_code == 200
    assert twofactor.unused_recovery_codes(user) == 9
    events = AuditEvent.objects.filter(actor=user).values_list("purpose", flat=True)
    assert list(events).count("signed in with password") == 2
    assert "second factor given with a recovery code" in events


def test_tracers_are_not_asked_unless_they_set_it_up(world: World) -> None:
    client = Client()
    response = password_step(client, "tracer_a")
    assert response.status_code == 302 and response["Location"] == reverse("tracer-home")
    assert client.get(reverse("tracer-home")).status_code == 200
    device = enrolled_device(world.users["tracer_a"])
    client = Client()
    assert password_step(client, "tracer_a")["Location"].startswith(reverse("two-factor-verify"))
    code = code_after(device, 0)
    assert client.post(reverse("two-factor-verify"), {"code": code}).status_code == 302


def test_api_tokens_are_not_session_sign_ins(world: World) -> None:
    key = bearer_token(world.users["supervisor_a"])
    response = Client(headers={"Authorization": f"Bearer {key}"}).get("/api/cases")
    assert response.status_code == 200


def test_an_administrator_resets_a_lost_authenticator(world: World, login: Any) -> None:
    supervisor = world.users["supervisor_a"]
    enrolled_device(supervisor)
    twofactor.new_recovery_codes(supervisor)
    admin = login("admin")
    response = admin.post(reverse("user-reset-two-factor", kwargs={"user_id": supervisor.pk}))
    assert response.status_code == 302
    assert not SealedTOTPDevice.objects.filter(user=supervisor).exists()
    assert not RecoveryCode.objects.filter(user=supervisor).exists()
    event = AuditEvent.objects.get(purpose="two-factor sign-in reset")
    assert event.actor == world.users["admin"]
    client = Client()
    assert password_step(client, "supervisor_a")["Location"].startswith(reverse("two-factor-setup"))
    # Administrators cannot reset their own.
    own = admin.post(
        reverse("user-reset-two-factor", kwargs={"user_id": world.users["admin"].pk}),
        follow=True,
    )
    assert b"Ask another administrator" in own.content
    assert SealedTOTPDevice.objects.filter(user=world.users["admin"]).exists()


def test_new_recovery_codes_need_a_recent_confirmation(
    world: World, login: Any, settings: Any
) -> None:
    settings.REAUTH_SECONDS = 60
    client = login("supervisor_a")
    user = world.users["supervisor_a"]
    old = twofactor.new_recovery_codes(user)
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=2), tick=False):
        response = client.post(reverse("two-factor-manage"))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("reauthenticate"))
        assert twofactor.unused_recovery_codes(user) == 10
    response = client.post(reverse("two-factor-manage"))  # just signed in: recent
    fresh = re.findall(rb"<code>([A-Z0-9]{5}-[A-Z0-9]{5})</code>", response.content)
    assert len(fresh) == 10
    assert not set(old) & {code.decode() for code in fresh}
    assert twofactor.unused_recovery_codes(user) == 10
