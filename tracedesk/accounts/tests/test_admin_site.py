"""Django's admin site obeys the same rights and scopes as every other page."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib import admin
from django.test import Client

from tracedesk.testing.world import World


def test_tracers_cannot_enter(world: World, login: Callable[[str], Client]) -> None:
    response = login("tracer_a").get("/admin/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_personal_data_is_scoped_and_read_only(
    world: World, login: Callable[[str], Client]
) -> None:
    client = login("supervisor_a")
    listing = client.get("/admin/people/person/").content.decode()
    assert "Testperson" in listing
    assert f"/admin/people/person/{world.district('a').person.pk}/" in listing
    assert f"/admin/people/person/{world.district('b').person.pk}/" not in listing
    own = client.get(f"/admin/people/person/{world.district('a').person.pk}/change/")
    assert own.status_code == 200 and b'name="_save"' not in own.content  # no save button
    other = client.get(f"/admin/people/person/{world.district('b').person.pk}/change/")
    assert other.status_code == 302  # "does not exist" for them
    assert client.get("/admin/people/person/add/").status_code == 403
    assert client.get("/admin/accounts/user/").status_code == 403  # not an administrator


@pytest.mark.parametrize(
    "path", ["/admin/people/person/", "/admin/cases/case/", "/admin/cases/contact/"]
)
def test_administrators_do_not_see_personal_data(
    world: World, login: Callable[[str], Client], path: str
) -> None:
    assert login("admin").get(path).status_code == 403


def test_administrators_manage_reference_data(world: World, login: Callable[[str], Client]) -> None:
    client = login("admin")
    for path in (
        "/admin/accounts/user/",
        "/admin/geography/jurisdiction/",
        "/admin/accounts/team/",
    ):
        assert client.get(path).status_code == 200, path
    assert client.get("/admin/audit/auditevent/add/").status_code == 403  # append-only


def test_every_registered_model_has_a_rights_aware_admin() -> None:
    from tracedesk.accounts.admin_rights import PersonalDataAdmin, ReferenceDataAdmin

    for model, model_admin in admin.site._registry.items():
        assert isinstance(model_admin, PersonalDataAdmin | ReferenceDataAdmin), model
