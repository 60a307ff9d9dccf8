"""Transmission chains: links, generations, household attack rate, serial intervals."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tracedesk.cases.actions import Exposure, add_contact
from tracedesk.cases.models import Case
from tracedesk.clusters.chains import chain_around, chain_statistics, generations
from tracedesk.clusters.tests.helpers import make_case
from tracedesk.people.details import PersonDetails
from tracedesk.people.merges import merge_people
from tracedesk.testing.world import World

TODAY = timezone.now().date()


def _name(case: Case, kind: str, exposed: dt.date) -> PersonDetails:
    """The details a case gives for the person of another case (as named contact)."""
    p = case.person
    return PersonDetails(first_name=p.first_name, last_name=p.last_name,
                         date_of_birth=p.date_of_birth, nhs_number=p.nhs_number)  # fmt: skip


def _names(index: Case, other: Case, kind: str, exposed: dt.date) -> None:
    add_contact(index, _name(other, kind, exposed),
                Exposure(contact_type=kind, last_exposure_date=exposed),
                reported_at=timezone.now(), actor=None, source="tests")  # fmt: skip


def test_a_named_contact_who_tests_positive_later_is_a_link(world: World) -> None:
    a = make_case(world.leeds, specimen_on=TODAY - dt.timedelta(days=12), house=1,
                  onset_on=TODAY - dt.timedelta(days=13))  # fmt: skip
    b = make_case(world.leeds, specimen_on=TODAY - dt.timedelta(days=6), house=1,
                  onset_on=TODAY - dt.timedelta(days=8))  # fmt: skip
    c = make_case(world.leeds, specimen_on=TODAY - dt.timedelta(days=1), house=2)
    _names(a, b, "household", TODAY - dt.timedelta(days=12))
    _names(b, c, "work", TODAY - dt.timedelta(days=7))
    # A names C too, but C tested positive only long after: not a link from A.
    _names(a, c, "social", TODAY - dt.timedelta(days=40))
    chain = chain_around([b.pk])
    assert {(k.infector, k.infectee) for k in chain.links} == {(a.pk, b.pk), (b.pk, c.pk)}
    assert chain.generation == {a.pk: 0, b.pk: 1, c.pk: 2}
    stats = chain_statistics(chain)
    assert stats.generations == 3
    # A named one household contact (B), who became a case: 100%.
    assert (stats.household_contacts, stats.household_secondary_cases) == (1, 1)
    # A->B onset to onset: 5 days; B->C: specimen to specimen (C's onset unknown): 5 days.
    assert sorted(stats.serial_intervals) == [5, 5]
    assert "specimen" in stats.serial_basis


def test_a_link_appears_when_matching_merges_two_records(world: World) -> None:
    a = make_case(world.leeds, specimen_on=TODAY - dt.timedelta(days=9), house=1)
    b = make_case(world.leeds, specimen_on=TODAY - dt.timedelta(days=2), house=3)
    # A names someone by a nickname and no date of birth: a separate person for now.
    contact, _ = add_contact(
        a, PersonDetails(first_name="Bob", last_name="Elsewhere", phone="07700900555"),
        Exposure(contact_type="social", last_exposure_date=TODAY - dt.timedelta(days=8)),
        reported_at=timezone.now(), actor=None, source="tests",
    )  # fmt: skip
    assert chain_around([a.pk]).links == []
    merge_people(b.person, contact.person, reason="same person", evidence={}, actor=None,
                 source="tests")  # fmt: skip
    chain = chain_around([a.pk])
    assert [(k.infector, k.infectee) for k in chain.links] == [(a.pk, b.pk)]


def test_generations_take_the_shortest_way_and_survive_cycles() -> None:
    from tracedesk.clusters.chains import Link

    day = dt.date(2020, 9, 1)
    links = [Link(1, 2, 10, "work", day), Link(2, 3, 11, "work", day), Link(1, 3, 12, "work", day),
             Link(4, 5, 13, "social", day), Link(5, 4, 14, "social", day)]  # fmt: skip
    assert generations([1, 2, 3, 4, 5], links) == {1: 0, 2: 1, 3: 1, 4: 0, 5: 0}


def test_the_chain_page_draws_an_svg_with_a_table_and_hides_other_areas(
    world: World, login: Callable[[str], Client]
) -> None:
    a = make_case(world.leeds, specimen_on=TODAY - dt.timedelta(days=9), house=1)
    b = make_case(world.camden, specimen_on=TODAY - dt.timedelta(days=3), house=4,
                  postcode="NW1 2BB")  # fmt: skip
    _names(a, b, "work", TODAY - dt.timedelta(days=8))
    html = login("tracer_a").get(reverse("case-chain", args=[a.pk])).content.decode()
    assert "<svg" in html and "Links in the chain" in html
    assert f"Case {a.pk}" in html and f"Case {b.pk}" not in html
    assert "Case elsewhere" in html and "outside your area" in html
    assert login("tracer_b").get(reverse("case-chain", args=[a.pk])).status_code == 404


def test_the_browser_graph_data_holds_the_same_links_and_hides_other_areas(
    world: World, login: Callable[[str], Client]
) -> None:
    import json

    a = make_case(world.leeds, specimen_on=TODAY - dt.timedelta(days=9), house=1)
    b = make_case(world.camden, specimen_on=TODAY - dt.timedelta(days=3), house=4,
                  postcode="NW1 2BB")  # fmt: skip
    _names(a, b, "work", TODAY - dt.timedelta(days=8))
    response = login("tracer_a").get(reverse("case-chain", args=[a.pk]))
    html = response.content.decode()
    start = html.index('<script id="chain-graph-data" type="application/json">')
    data = json.loads(html[html.index(">", start) + 1 : html.index("</script>", start)])
    nodes = {n["data"]["id"]: n["data"] for n in data["nodes"]}
    assert nodes[f"case-{a.pk}"]["label"] == f"Case {a.pk}"
    assert nodes["elsewhere-1"] == {"id": "elsewhere-1", "label": "Case elsewhere", "case": None,
                                    "generation": 1, "kind": "case"}  # fmt: skip
    assert [(e["data"]["source"], e["data"]["target"]) for e in data["edges"]] == [
        (f"case-{a.pk}", "elsewhere-1")
    ]
    assert b.pk not in {n["case"] for n in nodes.values()}
    assert f"case-{b.pk}" not in nodes
    # Scripts come from our static files only: no inline code, no CDN.
    assert "/static/clusters/vendor/cytoscape/cytoscape.min.js" in html
    assert "<script>" not in html and "onclick" not in html
