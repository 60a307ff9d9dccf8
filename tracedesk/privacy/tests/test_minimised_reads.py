"""Each role receives only the fields it needs, on every read path: detail, list, search,
export and API. Tracers get no NHS number; administrators no personal field; analysts
pseudonyms instead of identities."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from tracedesk.accounts.roles import Role
from tracedesk.exports.datasets import DATASETS, rows_for
from tracedesk.privacy.classification import FIELDS, Level
from tracedesk.privacy.minimise import (
    BY_LEVEL,
    WITHHELD,
    Treatment,
    shape,
    treatment,
    visible_fields,
)
from tracedesk.privacy.pseudonymise import pseudonym, pseudonymise_row
from tracedesk.testing.api_routes import call, token_client
from tracedesk.testing.world import World

NHS = "9434765919"  # district A's case


def test_every_role_has_a_treatment_for_every_level() -> None:
    for role in Role.values:
        assert set(BY_LEVEL[role]) == set(Level), role


def test_unknown_fields_and_roles_are_withheld() -> None:
    assert treatment("tracer", "people.person", "no_such_field") == Treatment.WITHHOLD
    assert treatment("no_such_role", "people.person", "first_name") == Treatment.WITHHOLD
    assert treatment("supervisor", "people.person", "match_key") == Treatment.WITHHOLD


def test_visible_fields_follow_the_classification(world: World) -> None:
    users = world.users
    person = FIELDS["people.person"]
    assert "nhs_number" not in visible_fields(users["tracer_a"], "people.person")
    assert "nhs_number" in visible_fields(users["supervisor_a"], "people.person")
    admin = visible_fields(users["admin"], "people.person")
    assert admin == {name for name, level in person.items() if level == Level.NOT_PERSONAL}
    # analysts: personal fields are offered only as pseudonyms (shape transforms them)
    assert "first_name" in visible_fields(users["analyst"], "people.person")
    assert treatment("analyst", "people.person", "first_name") == Treatment.PSEUDONYMISE


# --- Web: detail, list, search ------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "sees"), [("tracer_a", False), ("supervisor_a", True), ("health_protection", True)]
)
def test_person_detail_page(
    world: World, login: Callable[[str], Client], persona: str, sees: bool
) -> None:
    page = login(persona).get(reverse("person-detail", args=[world.district("a").person.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert ("NHS number" in text) is sees and (NHS in text) is sees
    assert "CaseA" in text and "07700900001" in text  # what a tracer needs is there


@pytest.mark.parametrize("query", ["", "?q=Testperson", f"?q={NHS}"])
@pytest.mark.parametrize(("persona", "sees"), [("tracer_a", False), ("supervisor_a", True)])
def test_person_list_and_search(
    world: World, login: Callable[[str], Client], persona: str, sees: bool, query: str
) -> None:
    page = login(persona).get(reverse("person-list") + query)
    text = page.content.decode()
    assert "CaseA" in text  # the search still finds them, by NHS number too
    echoed = text.replace(f'value="{NHS}"', "").replace(f"“{NHS}”", "")  # the query itself
    assert (NHS in echoed) is sees
    assert ('<th scope="col">NHS number</th>' in text) is sees


# --- API: detail, list, search, embedded summaries ---------------------------------------


@pytest.mark.parametrize(("persona", "expected"), [("tracer_a", None), ("supervisor_a", NHS)])
def test_api_reads(world: World, persona: str, expected: str | None) -> None:
    a = world.district("a")
    client = token_client(world.users[persona])
    assert call(client, "GET", f"/api/people/{a.person.pk}").json()["nhs_number"] == expected
    for url in ("/api/people", "/api/people?q=CaseA", f"/api/people?q={NHS}"):
        items = {item["id"]: item for item in call(client, "GET", url).json()["items"]}
        assert items[a.person.pk]["nhs_number"] == expected, url
    case = call(client, "GET", f"/api/cases/{a.case.pk}").json()
    assert case["person"]["nhs_number"] == expected
    cases = call(client, "GET", "/api/cases").json()["items"]
    assert {c["person"]["nhs_number"] for c in cases if c["id"] == a.case.pk} == {expected}


# --- Exports (the exports app calls shape() for every row) ----------------------------------


def _export(world: World, persona: str, key: str) -> list[dict[str, object]]:
    columns, rows = rows_for(world.users[persona], DATASETS[key])
    return [dict(zip([c.name for c in columns], row, strict=True)) for row in rows]


def test_exports_leave_out_what_the_role_does_not_need(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    a = world.district("a")
    full = {row["id"]: row for row in _export(world, "supervisor_a", "cases")}
    assert full[a.case.pk]["person_nhs_number"] == NHS
    # The same policy table drives the file: withhold the field and the column goes.
    monkeypatch.setitem(WITHHELD, Role.SUPERVISOR, frozenset({"people.person.nhs_number"}))
    cut = {row["id"]: row for row in _export(world, "supervisor_a", "cases")}
    assert "person_nhs_number" not in cut[a.case.pk]
    assert cut[a.case.pk]["person_first_name"] == "CaseA"


def test_analyst_rows_are_pseudonymised(world: World) -> None:
    """What an analyst's export or view receives for a case and its person."""
    a = world.district("a")
    analyst = world.users["analyst"]
    case = shape(
        analyst, "cases.case", {"id": a.case.pk, "person_id": a.person.pk, "status": "open"}
    )
    assert case == {
        "case": pseudonym("case", a.case.pk),
        "person": pseudonym("person", a.person.pk),
        "status": "open",
    }
    person = shape(
        analyst, "people.person",
        {"id": a.person.pk, "first_name": "CaseA", "nhs_number": NHS, "phone": "07700900001",
         "date_of_birth": dt.date(1980, 1, 2), "sex": "unknown", "jurisdiction_id": 3},
        on=dt.date(2026, 1, 1),
    )  # fmt: skip
    assert person == {
        "person": pseudonym("person", a.person.pk), "age_band": "45-49", "sex": "unknown",
        "jurisdiction": 3,
    }  # fmt: skip
    address = shape(analyst, "people.address", {"postcode": "LS6 3AB", "line1": "1 A Street"})
    assert address == {"postcode_district": "LS6"}


def test_administrators_get_no_personal_field(world: World) -> None:
    row = {"id": 1, "first_name": "CaseA", "nhs_number": NHS, "jurisdiction_id": 3}
    assert shape(world.users["admin"], "people.person", row) == {"id": 1, "jurisdiction_id": 3}


def test_a_field_missing_from_the_classification_is_never_passed_on(world: World) -> None:
    for persona in ("tracer_a", "analyst", "admin"):
        assert shape(world.users[persona], "people.person", {"shoe_size": 9}) == {}
    with pytest.raises(KeyError, match=r"people\.person\.shoe_size is not classified"):
        pseudonymise_row("people.person", {"shoe_size": 9}, on=dt.date(2026, 1, 1))
