"""Access matrix of the accounts pages: sign-in steps, confirmation, staff management."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from tracedesk.accounts.models import User
from tracedesk.accounts.roles import Role
from tracedesk.testing.twofactor import force_verified_login
from tracedesk.testing.world import PERSONAS, World, make_user

OK, REDIRECT, FORBIDDEN, NOT_FOUND, NOT_ALLOWED = 200, 302, 403, 404, 405

# Any signed-in user: their own sign-in steps.
OWN_PAGES = {"two-factor-manage", "two-factor-verify", "two-factor-setup", "reauthenticate"}
# Administrators (MANAGE_USERS), GET pages.
ADMIN_PAGES = {"user-list", "user-invite"}
# Administrators, POST only, about one account.
USER_ACTIONS = {
    "user-disable",
    "user-enable",
    "user-role",
    "user-jurisdictions",
    "user-unlock",
    "user-reset-two-factor",
    "user-reinvite",
}
ACCOUNTS_ROUTES = OWN_PAGES | ADMIN_PAGES | USER_ACTIONS | {"user-detail", "accept-invitation"}


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("name", sorted(ADMIN_PAGES))
def test_admin_pages(world: World, login: Callable[[str], Client], name: str, persona: str) -> None:
    response = login(persona).get(reverse(name))
    assert response.status_code == (OK if persona == "admin" else FORBIDDEN)


@pytest.mark.parametrize("persona", PERSONAS)
def test_user_detail(world: World, login: Callable[[str], Client], persona: str) -> None:
    url = reverse("user-detail", kwargs={"user_id": world.users["tracer_b"].pk})
    assert login(persona).get(url).status_code == (OK if persona == "admin" else FORBIDDEN)


def test_accounts_outside_an_administrators_scope_are_404(world: World) -> None:
    leeds_admin = make_user("admin_leeds", Role.ADMIN, world.leeds)
    client = Client()
    force_verified_login(client, leeds_admin)
    inside = world.users["tracer_a"].pk
    outside = world.users["tracer_b"].pk  # Camden
    assert client.get(reverse("user-detail", kwargs={"user_id": inside})).status_code == OK
    assert client.get(reverse("user-detail", kwargs={"user_id": outside})).status_code == NOT_FOUND
    for name in sorted(USER_ACTIONS):
        response = client.post(reverse(name, kwargs={"user_id": outside}))
        assert response.status_code == NOT_FOUND, name
    assert User.objects.get(pk=outside).is_active
    listed = client.get(reverse("user-list")).content.decode()
    assert "tracer_a" in listed and "tracer_b" not in listed


@pytest.mark.parametrize("persona", [p for p in PERSONAS if p != "admin"])
@pytest.mark.parametrize("name", sorted(USER_ACTIONS))
def test_user_actions_need_manage_users(
    world: World, login: Callable[[str], Client], name: str, persona: str
) -> None:
    target = world.users["tracer_b"]
    response = login(persona).post(reverse(name, kwargs={"user_id": target.pk}))
    assert response.status_code == FORBIDDEN
    target.refresh_from_db()
    assert target.is_active and target.role == Role.TRACER


@pytest.mark.parametrize("name", sorted(USER_ACTIONS))
def test_user_actions_are_post_only_and_404_for_unknown_ids(
    world: World, login: Callable[[str], Client], name: str
) -> None:
    client = login("admin")
    assert client.get(
        reverse(name, kwargs={"user_id": world.users["tracer_b"].pk})
    ).status_code == (NOT_ALLOWED)
    assert client.post(reverse(name, kwargs={"user_id": 999_999})).status_code == NOT_FOUND
    path = reverse(name, kwargs={"user_id": 1}).replace("/1/", "/abc/")
    assert client.post(path).status_code == NOT_FOUND


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("name", sorted(OWN_PAGES - {"two-factor-verify"}))
def test_own_pages_open_to_every_signed_in_user(
    world: World, login: Callable[[str], Client], name: str, persona: str
) -> None:
    response = login(persona).get(reverse(name))
    # A verified user asking to set up again is sent to manage (verify) instead.
    assert response.status_code in {OK, REDIRECT}
    if name != "two-factor-setup":
        assert response.status_code == OK


@pytest.mark.parametrize(
    "name", [*sorted(OWN_PAGES | ADMIN_PAGES), "user-detail", *sorted(USER_ACTIONS)]
)
def test_anonymous_is_sent_to_login(world: World, client: Client, name: str) -> None:
    kwargs = {"user_id": world.users["tracer_a"].pk} if name.startswith("user-") else {}
    if name in ADMIN_PAGES:
        kwargs = {}
    method = client.post if name in USER_ACTIONS else client.get
    response = method(reverse(name, kwargs=kwargs))
    assert response.status_code == REDIRECT
    assert response["Location"].startswith(reverse("login"))


def test_an_unknown_invitation_is_404(world: World, client: Client) -> None:
    response = client.get(reverse("accept-invitation", kwargs={"key": "not-a-key"}))
    assert response.status_code == NOT_FOUND
    assert b"does not work" in response.content


@pytest.mark.parametrize("name", sorted(OWN_PAGES | ADMIN_PAGES))
def test_wrong_method_is_405(world: World, login: Callable[[str], Client], name: str) -> None:
    assert login("admin").delete(reverse(name)).status_code == NOT_ALLOWED
