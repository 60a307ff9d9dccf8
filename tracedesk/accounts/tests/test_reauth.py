"""Re-authentication before bulk exports: the decorator, the page, and the API helper."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from tracedesk.accounts import twofactor
from tracedesk.accounts.models import LoginFailure
from tracedesk.accounts.reauth import (
    ReauthenticationRequired,
    mark_authenticated,
    require_recent_authentication,
)
from tracedesk.testing.twofactor import enrolled_device
from tracedesk.testing.world import PASSWORD, World

pytestmark = pytest.mark.urls("tracedesk.accounts.tests.urls_reauth")
LATER = dt.timedelta(minutes=20)  # past the 15-minute default


def test_a_fresh_sign_in_counts_as_recent(world: World, login: Any) -> None:
    response = login("tracer_a").get("/test-export/?rows=all")
    assert response.status_code == 200 and b"exported by tracer_a" in response.content


def test_later_the_password_is_asked_again_then_back_to_the_page(world: World, login: Any) -> None:
    client = login("tracer_a")
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=14), tick=False):
        client.get("/")  # activity keeps the session, not the confirmation
    with time_machine.travel(timezone.now() + LATER, tick=False):
        response = client.get("/test-export/?rows=all")
        assert response.status_code == 302
        assert response["Location"] == "/accounts/confirm/?next=%2Ftest-export%2F%3Frows%3Dall"
        page = client.get(response["Location"])
        assert b"Confirm it is you" in page.content and b'name="code"' not in page.content
        wrong = client.post(
            "/accounts/confirm/", {"password": "nope-nope-nope", "next": "/test-export/?rows=all"}
        )
        assert b"not your password" in wrong.content
        assert LoginFailure.objects.filter(username="tracer_a").count() == 1
        right = client.post(
            "/accounts/confirm/", {"password": PASSWORD, "next": "/test-export/?rows=all"}
        )
        assert right.status_code == 302 and right["Location"] == "/test-export/?rows=all"
        assert client.get("/test-export/?rows=all").status_code == 200


def test_a_post_comes_back_as_the_form_not_a_blind_submit(world: World, login: Any) -> None:
    client = login("tracer_a")
    with time_machine.travel(timezone.now() + LATER, tick=False):
        response = client.post("/test-export/", {"format": "csv"})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm/?next=%2Ftest-export%2F"


def test_two_factor_users_also_give_a_code(world: World, login: Any) -> None:
    client = login("supervisor_a")
    device = enrolled_device(world.users["supervisor_a"])
    with time_machine.travel(timezone.now() + LATER, tick=False):
        page = client.get("/accounts/confirm/?next=/test-export/")
        assert b'name="code"' in page.content
        no_code = client.post(
            "/accounts/confirm/", {"password": PASSWORD, "code": "000000", "next": "/test-export/"}
        )
        assert no_code.status_code == 200 and b"not right" in no_code.content
    with time_machine.travel(timezone.now() + LATER + dt.timedelta(seconds=30), tick=False):
        code = twofactor.current_code(device)
        ok = client.post(
            "/accounts/confirm/", {"password": PASSWORD, "code": code, "next": "/test-export/"}
        )
        assert ok.status_code == 302 and ok["Location"] == "/test-export/"
        assert client.get("/test-export/").status_code == 200


def test_the_next_address_must_be_ours(world: World, login: Any) -> None:
    client = login("tracer_a")
    response = client.post(
        "/accounts/confirm/", {"password": PASSWORD, "next": "https://evil.example/steal"}
    )
    assert response.status_code == 302 and response["Location"] == reverse("home")


def test_anonymous_users_sign_in_first(world: World, client: Client) -> None:
    response = client.get("/test-export/")
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


# --- The helper for API handlers ----------------------------------------------------


def _api_request(world: World, *, authorization: str = "") -> Any:
    headers = {"Authorization": authorization} if authorization else {}
    request = RequestFactory().get("/api/exports/anything", headers=headers)
    request.session = SessionStore()
    request.user = world.users["tracer_a"] if not authorization else AnonymousUser()
    return request


def test_the_api_helper_needs_a_recent_confirmation(world: World) -> None:
    request = _api_request(world)
    with pytest.raises(ReauthenticationRequired):
        require_recent_authentication(request)
    mark_authenticated(request)
    require_recent_authentication(request)
    with (
        time_machine.travel(timezone.now() + LATER, tick=False),
        pytest.raises(ReauthenticationRequired),
    ):
        require_recent_authentication(request)


def test_the_api_helper_refuses_tokens_unless_allowed(world: World) -> None:
    request = _api_request(world, authorization="Bearer td_x")
    with pytest.raises(ReauthenticationRequired):
        require_recent_authentication(request)
    require_recent_authentication(request, allow_tokens=True)
