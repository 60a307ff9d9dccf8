"""Staff lifecycle by administrators: invite, disable, role and jurisdiction changes."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tracedesk.accounts.models import ApiToken, Invitation, User, hash_token
from tracedesk.accounts.roles import Role
from tracedesk.audit.models import AuditEvent
from tracedesk.testing.api_routes import bearer_token
from tracedesk.testing.twofactor import force_verified_login
from tracedesk.testing.world import World, make_user

NEW_PASSWORD = "quartz-lantern-meadow-42"


def invite(admin: Client, world: World, username: str = "new.tracer", **extra: Any) -> str:
    data = {
        "username": username,
        "email": "",
        "role": Role.TRACER,
        "jurisdictions": [world.leeds.pk],
        **extra,
    }
    response = admin.post(reverse("user-invite"), data)
    assert response.status_code == 200, response.content
    match = re.search(r"/accounts/invitation/([\w-]+)/", response.content.decode())
    assert match is not None
    return match.group(0)


def test_an_invited_user_sets_a_password_once_and_signs_in(world: World, login: Any) -> None:
    admin = login("admin")
    link = invite(admin, world)
    user = User.objects.get(username="new.tracer")
    assert not user.has_usable_password()
    assert list(user.jurisdictions.all()) == [world.leeds]
    invitation = Invitation.objects.get(user=user)
    assert invitation.key_hash == hash_token(link.rstrip("/").rsplit("/", 1)[1])
    assert link not in str(Invitation.objects.values().get())  # only the hash is stored

    visitor = Client()
    form = visitor.get(link)
    assert form.status_code == 200 and b"new.tracer" in form.content
    weak = visitor.post(link, {"new_password1": "new.tracer1", "new_password2": "new.tracer1"})
    assert weak.status_code == 200 and not User.objects.get(pk=user.pk).has_usable_password()
    done = visitor.post(link, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 302
    assert Client().login(username="new.tracer", password=NEW_PASSWORD)
    # The link is spent.
    assert visitor.get(link).status_code == 404
    assert visitor.post(link, {"new_password1": "x", "new_password2": "x"}).status_code == 404
    purposes = set(AuditEvent.objects.values_list("purpose", flat=True))
    assert {
        "staff account invited",
        "invitation link issued",
        "invitation accepted, password set",
    } <= purposes


def test_an_invitation_expires(world: World, login: Any) -> None:
    link = invite(login("admin"), world)
    with time_machine.travel(timezone.now() + dt.timedelta(hours=73), tick=False):
        assert Client().get(link).status_code == 404


def test_a_new_link_replaces_the_old_one(world: World, login: Any) -> None:
    admin = login("admin")
    first = invite(admin, world)
    user = User.objects.get(username="new.tracer")
    response = admin.post(reverse("user-reinvite", kwargs={"user_id": user.pk}))
    second = re.search(r"/accounts/invitation/[\w-]+/", response.content.decode())
    assert second is not None
    assert Client().get(first).status_code == 404
    assert Client().get(second.group(0)).status_code == 200


def test_an_administrator_cannot_grant_jurisdictions_outside_their_scope(world: World) -> None:
    leeds_admin = make_user("admin_leeds", Role.ADMIN, world.leeds)
    client = Client()
    force_verified_login(client, leeds_admin)
    response = client.post(
        reverse("user-invite"),
        {"username": "camden.spy", "role": Role.TRACER, "jurisdictions": [world.camden.pk]},
    )
    assert response.status_code == 200 and b"errorlist" in response.content
    assert not User.objects.filter(username="camden.spy").exists()
    tracer = world.users["tracer_a"]
    client.post(
        reverse("user-jurisdictions", kwargs={"user_id": tracer.pk}),
        {"jurisdictions": [world.camden.pk]},
    )
    assert list(tracer.jurisdictions.all()) == [world.leeds]


def test_a_disabled_user_is_signed_out_and_their_tokens_stop(world: World, login: Any) -> None:
    tracer = world.users["tracer_a"]
    key = bearer_token(tracer)
    api = Client(headers={"Authorization": f"Bearer {key}"})
    assert api.get("/api/people").status_code == 200
    session = login("tracer_a")
    response = login("admin").post(reverse("user-disable", kwargs={"user_id": tracer.pk}))
    assert response.status_code == 302
    tracer.refresh_from_db()
    assert not tracer.is_active
    assert api.get("/api/people").status_code == 401
    assert ApiToken.objects.get(key_hash=hash_token(key)).revoked_at is not None
    assert session.get(reverse("case-list")).status_code == 302  # to the sign-in page
    event = AuditEvent.objects.get(purpose="account disabled")
    assert event.actor == world.users["admin"] and event.fields == ["is_active"]
    # Re-enabling does not bring old tokens back.
    login("admin").post(reverse("user-enable", kwargs={"user_id": tracer.pk}))
    assert api.get("/api/people").status_code == 401
    assert AuditEvent.objects.filter(purpose="account re-enabled").exists()


def test_role_change_is_audited_and_takes_effect(world: World, login: Any) -> None:
    tracer = world.users["tracer_b"]
    admin = login("admin")
    admin.post(reverse("user-role", kwargs={"user_id": tracer.pk}), {"role": Role.ANALYST})
    tracer.refresh_from_db()
    assert tracer.role == Role.ANALYST
    event = AuditEvent.objects.get(purpose="role changed")
    assert event.fields == ["role"] and event.object_id == str(tracer.pk)
    assert login("tracer_b").get(reverse("case-list")).status_code == 403
    bad = admin.post(
        reverse("user-role", kwargs={"user_id": tracer.pk}), {"role": "superuser"}, follow=True
    )
    assert b"Choose a role" in bad.content


def test_administrators_cannot_demote_or_disable_themselves(world: World, login: Any) -> None:
    me = world.users["admin"]
    admin = login("admin")
    response = admin.post(
        reverse("user-role", kwargs={"user_id": me.pk}), {"role": Role.TRACER}, follow=True
    )
    assert b"cannot change your own role" in response.content
    response = admin.post(reverse("user-disable", kwargs={"user_id": me.pk}), follow=True)
    assert b"cannot disable your own account" in response.content
    me.refresh_from_db()
    assert me.role == Role.ADMIN and me.is_active


def test_jurisdiction_change_is_audited(world: World, login: Any) -> None:
    tracer = world.users["tracer_a"]
    login("admin").post(
        reverse("user-jurisdictions", kwargs={"user_id": tracer.pk}),
        {"jurisdictions": [world.leeds.pk, world.camden.pk]},
    )
    assert set(tracer.jurisdictions.all()) == {world.leeds, world.camden}
    assert AuditEvent.objects.get(purpose="jurisdictions changed").fields == ["jurisdictions"]


def test_the_django_admin_cannot_bypass_the_audited_actions(world: World, login: Any) -> None:
    admin = login("admin")
    tracer = world.users["tracer_a"]
    url = reverse("admin:accounts_user_change", args=[tracer.pk])
    admin.post(url, {"username": "tracer_a", "role": Role.ADMIN, "is_active": ""})
    tracer.refresh_from_db()
    assert tracer.role == Role.TRACER and tracer.is_active
