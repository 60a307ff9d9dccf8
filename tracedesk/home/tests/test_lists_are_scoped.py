"""List pages and record pages show only what is in scope, and in a fixed number of queries."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tracedesk.cases.actions import Exposure, add_contact
from tracedesk.people.details import PersonDetails
from tracedesk.testing.world import World


@pytest.mark.parametrize("name", ["person-list", "case-list", "tracer-home"])
def test_district_b_never_appears_to_district_a(
    world: World, login: Callable[[str], Client], name: str
) -> None:
    page_a = login("tracer_a").get(reverse(name)).content.decode()
    page_b = login("tracer_b").get(reverse(name)).content.decode()
    assert "CaseA" in page_a and "CaseB" not in page_a
    assert "CaseB" in page_b and "CaseA" not in page_b


def test_search_finds_only_in_scope(world: World, login: Callable[[str], Client]) -> None:
    client = login("tracer_a")
    found = client.get(reverse("person-list"), {"q": "9434765870"}).content.decode()  # B's NHS no.
    assert "CaseB" not in found
    found = client.get(reverse("person-list"), {"q": "9434765919"}).content.decode()
    assert "CaseA" in found


def test_case_page_counts_contacts_in_other_areas(
    world: World, login: Callable[[str], Client]
) -> None:
    case = world.district("a").case
    add_contact(
        case,
        PersonDetails(first_name="Faraway", last_name="Friend", postcode="NW1 2BB"),
        Exposure(contact_type="social", last_exposure_date=timezone.localdate()),
        reported_at=timezone.now(),
        actor=None,
        source="tests",
    )
    page = login("tracer_a").get(reverse("case-detail", kwargs={"case_id": case.pk}))
    text = page.content.decode()
    assert "Faraway" not in text
    assert "1 more contact" in text


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize(
    "url_name", ["case-list", "person-list", "tracer-home", "health-protection-home"]
)
def test_list_pages_do_not_query_per_row(
    world: World, login: Callable[[str], Client], url_name: str
) -> None:
    client = login("health_protection")
    if url_name == "tracer-home":
        client = login("tracer_a")
    before = _queries(client, reverse(url_name))
    case = world.district("a").case
    for number in range(8):
        add_contact(
            case,
            PersonDetails(first_name=f"Extra{number}", last_name="Person", postcode="LS6 3AB"),
            Exposure(contact_type="social", last_exposure_date=timezone.localdate()),
            reported_at=timezone.now(),
            actor=None,
            source="tests",
        )
    assert _queries(client, reverse(url_name)) == before
