"""The same access matrix on every web page: owner works, outside scope 404,
missing right 403, anonymous to login, wrong method 405, bad ids 404."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from tracedesk.testing.routes import named_web_routes
from tracedesk.testing.world import PERSONAS, World

OK, FORBIDDEN, NOT_FOUND, REDIRECT = 200, 403, 404, 302


# persona -> expected status for a page that needs no object.
def _only(*allowed: str) -> dict[str, int]:
    return {persona: OK if persona in allowed else FORBIDDEN for persona in PERSONAS}


PERSONAL = ("tracer_a", "tracer_b", "supervisor_a", "health_protection")

PAGES: dict[str, dict[str, int]] = {
    "tracer-home": _only("tracer_a", "tracer_b", "supervisor_a", "health_protection"),
    "supervisor-home": _only("supervisor_a"),
    "health-protection-home": _only("health_protection"),
    "analyst-home": _only("supervisor_a", "health_protection", "analyst", "admin"),
    "admin-home": _only("admin"),
    "person-list": _only(*PERSONAL),
    "case-list": _only(*PERSONAL),
}

# Pages about one record of district A: who sees it, who gets 404, who gets 403.
RECORD_OF_A = {
    "tracer_a": OK,
    "supervisor_a": OK,
    "health_protection": OK,  # Yorkshire region includes Leeds
    "tracer_b": NOT_FOUND,
    "analyst": FORBIDDEN,
    "admin": FORBIDDEN,
}
RECORD_PAGES: dict[str, Callable[[World], dict[str, int]]] = {
    "person-detail": lambda w: {"person_id": w.district("a").person.pk},
    "case-detail": lambda w: {"case_id": w.district("a").case.pk},
    "contact-detail": lambda w: {"contact_id": w.district("a").contact.pk},
    "setting-detail": lambda w: {"setting_id": w.district("a").setting.pk},
}
SPECIAL = {"home", "login", "logout"}  # tested one by one below


def test_every_route_is_in_the_matrix() -> None:
    from tracedesk.accounts.tests.test_views import ACCOUNTS_ROUTES  # their own matrices
    from tracedesk.audit.tests.test_viewer import AUDIT_ROUTES
    from tracedesk.clusters.tests.test_views import CLUSTER_ROUTES
    from tracedesk.contracts.tests.test_views import CONTRACTS_ROUTES
    from tracedesk.exports.tests.test_views import EXPORTS_ROUTES
    from tracedesk.ingest.tests.test_views import INGEST_ROUTES
    from tracedesk.kpis.tests.test_views import KPIS_ROUTES
    from tracedesk.linkage.tests.test_household_views import ROUTES as HOUSEHOLD_ROUTES
    from tracedesk.linkage.tests.test_views import LINKAGE_ROUTES
    from tracedesk.messaging.tests.test_views import MESSAGING_ROUTES, PUBLIC_ROUTES
    from tracedesk.places.tests.test_upload import CHECKIN_ROUTES
    from tracedesk.publications.tests.test_bulletin import PUBLICATIONS_ROUTES
    from tracedesk.tracing.tests.test_views import TRACING_ROUTES

    assert (
        named_web_routes()
        == set(PAGES)
        | set(RECORD_PAGES)
        | SPECIAL
        | INGEST_ROUTES
        | LINKAGE_ROUTES
        | HOUSEHOLD_ROUTES
        | ACCOUNTS_ROUTES
        | CLUSTER_ROUTES
        | CHECKIN_ROUTES
        | MESSAGING_ROUTES
        | PUBLIC_ROUTES
        | TRACING_ROUTES
        | KPIS_ROUTES
        | CONTRACTS_ROUTES
        | EXPORTS_ROUTES
        | PUBLICATIONS_ROUTES
        | AUDIT_ROUTES
    )


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("name", sorted(PAGES))
def test_pages(world: World, login: Callable[[str], Client], name: str, persona: str) -> None:
    response = login(persona).get(reverse(name))
    assert response.status_code == PAGES[name][persona]


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("name", sorted(RECORD_PAGES))
def test_record_pages(
    world: World, login: Callable[[str], Client], name: str, persona: str
) -> None:
    response = login(persona).get(reverse(name, kwargs=RECORD_PAGES[name](world)))
    assert response.status_code == RECORD_OF_A[persona]


@pytest.mark.parametrize("name", sorted(PAGES) + sorted(RECORD_PAGES) + ["home"])
def test_anonymous_is_sent_to_login(world: World, client: Client, name: str) -> None:
    kwargs = RECORD_PAGES[name](world) if name in RECORD_PAGES else {}
    response = client.get(reverse(name, kwargs=kwargs))
    assert response.status_code == REDIRECT
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("name", sorted(PAGES) + sorted(RECORD_PAGES) + ["home"])
def test_wrong_method_is_405(world: World, login: Callable[[str], Client], name: str) -> None:
    kwargs = RECORD_PAGES[name](world) if name in RECORD_PAGES else {}
    client = login("supervisor_a")
    assert client.post(reverse(name, kwargs=kwargs)).status_code == 405
    assert client.delete(reverse(name, kwargs=kwargs)).status_code == 405


@pytest.mark.parametrize("name", sorted(RECORD_PAGES))
def test_unknown_ids_are_404(world: World, login: Callable[[str], Client], name: str) -> None:
    kwarg = next(iter(RECORD_PAGES[name](world)))
    client = login("tracer_a")
    assert client.get(reverse(name, kwargs={kwarg: 999_999})).status_code == NOT_FOUND
    # Non-numeric ids never match the route at all.
    path = reverse(name, kwargs={kwarg: 1}).replace("/1/", "/abc/")
    assert client.get(path).status_code == NOT_FOUND


@pytest.mark.parametrize(
    ("persona", "home"),
    [
        ("tracer_a", "tracer-home"),
        ("supervisor_a", "supervisor-home"),
        ("health_protection", "health-protection-home"),
        ("analyst", "analyst-home"),
        ("admin", "admin-home"),
    ],
)
def test_home_sends_each_role_to_its_page(
    world: World, login: Callable[[str], Client], persona: str, home: str
) -> None:
    response = login(persona).get(reverse("home"))
    assert response.status_code == REDIRECT
    assert response["Location"] == reverse(home)


def test_login_and_logout(world: World, client: Client) -> None:
    assert client.get(reverse("login")).status_code == OK
    response = client.post(
        reverse("login"), {"username": "tracer_a", "password": "wrong password here"}
    )
    assert response.status_code == OK and b"did not match" in response.content
    client.force_login(world.users["tracer_a"])
    assert client.get(reverse("logout")).status_code == 405  # sign-out is a POST
    assert client.post(reverse("logout")).status_code == REDIRECT
    assert client.get(reverse("tracer-home")).status_code == REDIRECT


def test_an_inactive_user_is_refused(world: World, login: Callable[[str], Client]) -> None:
    client = login("tracer_a")
    world.users["tracer_a"].is_active = False
    world.users["tracer_a"].save()
    assert client.get(reverse("case-list")).status_code == REDIRECT


def test_a_user_with_no_jurisdiction_sees_nothing(
    world: World, login: Callable[[str], Client]
) -> None:
    world.users["tracer_a"].jurisdictions.clear()
    client = login("tracer_a")
    response = client.get(reverse("case-detail", kwargs={"case_id": world.district("a").case.pk}))
    assert response.status_code == NOT_FOUND
    assert b"Testperson" not in client.get(reverse("case-list")).content
