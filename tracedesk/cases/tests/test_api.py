"""The case and contact endpoints: access matrix, adding a contact, paging, query counts."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from tracedesk.audit.models import AuditEvent
from tracedesk.cases.actions import Exposure, add_contact
from tracedesk.cases.models import Case, CaseStatus, Contact
from tracedesk.people.details import PersonDetails
from tracedesk.people.models import Person
from tracedesk.testing.api_routes import (
    NO_PERSONAL_DATA_RIGHT,
    OUTSIDE_SCOPE,
    SEES_DISTRICT_A,
    RouteCall,
    call,
    response_ids,
    token_client,
)
from tracedesk.testing.world import PERSONAS, District, World
from tracedesk.tracing.models import TaskKind, TracingTask


def yesterday() -> str:
    return (timezone.localdate() - dt.timedelta(days=1)).isoformat()


def new_contact(district: District | None = None, **overrides: Any) -> dict[str, Any]:
    """A contact named by the case, living at district A's postcode unless told otherwise."""
    body: dict[str, Any] = {
        "first_name": "Newcontact",
        "last_name": "Person",
        "date_of_birth": "1991-05-06",
        "phone": "07700 900 123",
        "address_line1": "9 Other Road",
        "postcode": "LS6 3AB",
        "contact_type": "social",
        "last_exposure_date": yesterday(),
        "proximity": "within_1m",
        "duration_minutes": 45,
    }
    body.update(overrides)
    return body


MATRIX: dict[tuple[str, str], RouteCall] = {
    ("GET", "/api/cases"): RouteCall(
        kind="list", url=lambda d: "/api/cases", ids=lambda d: {d.case.pk}
    ),
    ("GET", "/api/cases/{case_id}"): RouteCall(
        kind="detail", url=lambda d: f"/api/cases/{d.case.pk}"
    ),
    ("GET", "/api/cases/{case_id}/contacts"): RouteCall(
        kind="detail", url=lambda d: f"/api/cases/{d.case.pk}/contacts"
    ),
    ("POST", "/api/cases/{case_id}/contacts"): RouteCall(
        kind="create", url=lambda d: f"/api/cases/{d.case.pk}/contacts", body=new_contact
    ),
    ("GET", "/api/contacts"): RouteCall(
        kind="list", url=lambda d: "/api/contacts", ids=lambda d: {d.contact.pk}
    ),
    ("GET", "/api/contacts/{contact_id}"): RouteCall(
        kind="detail", url=lambda d: f"/api/contacts/{d.contact.pk}"
    ),
}


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("route", sorted(MATRIX), ids=" ".join)
def test_access_matrix(world: World, route: tuple[str, str], persona: str) -> None:
    entry = MATRIX[route]
    district = world.district("a")
    contacts_before = Contact.objects.count()
    body = entry.body(district) if entry.body else None
    response = call(token_client(world.users[persona]), route[0], entry.url(district), body)
    if persona in NO_PERSONAL_DATA_RIGHT:
        assert response.status_code == 403
        assert "detail" in response.json()
    elif persona in OUTSIDE_SCOPE and entry.kind == "list":
        assert response.status_code == 200
        assert not response_ids(response) & entry.ids(district)
    elif persona in OUTSIDE_SCOPE:
        assert response.status_code == 404
    else:
        assert persona in SEES_DISTRICT_A
        assert response.status_code == (201 if entry.kind == "create" else 200)
        if entry.kind == "list":
            assert entry.ids(district) <= response_ids(response)
    created = Contact.objects.count() - contacts_before
    assert created == (1 if response.status_code == 201 else 0)


def test_case_detail_fields(world: World) -> None:
    case = world.district("a").case
    body = call(token_client(world.users["tracer_a"]), "GET", f"/api/cases/{case.pk}").json()
    assert body["id"] == case.pk
    assert body["status"] == "open"
    assert body["person"]["id"] == case.person_id
    assert body["jurisdiction"]["code"] == "E08000035"
    sent = dt.datetime.fromisoformat(body["first_specimen_at"])  # ISO 8601, to the millisecond
    assert abs(sent - case.first_specimen_at) < dt.timedelta(milliseconds=1)


def test_status_filter(world: World) -> None:
    a = world.district("a")
    Case.objects.filter(pk=a.case.pk).update(status=CaseStatus.CLOSED)  # set-up only
    client = token_client(world.users["tracer_a"])
    assert response_ids(call(client, "GET", "/api/cases?status=closed")) == {a.case.pk}
    assert response_ids(call(client, "GET", "/api/cases?status=open")) == set()
    bad = call(client, "GET", "/api/cases?status=shut")
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["field"] == "status"


def test_contact_detail_shows_case_id_not_the_case(world: World) -> None:
    contact = world.district("a").contact
    url = f"/api/contacts/{contact.pk}"
    body = call(token_client(world.users["tracer_a"]), "GET", url).json()
    assert body["case_id"] == contact.case_id
    assert body["person"]["first_name"] == "ContactA"
    assert body["contact_type"] == "household"
    assert body["last_exposure_date"] == contact.last_exposure_date.isoformat()
    assert "case" not in body


# --- Adding a contact ---------------------------------------------------------


def test_add_contact_creates_contact_task_and_audit(world: World) -> None:
    a = world.district("a")
    user = world.users["tracer_a"]
    response = call(token_client(user), "POST", f"/api/cases/{a.case.pk}/contacts", new_contact())
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["created"] is True
    assert body["in_scope"] is True
    contact = Contact.objects.get(pk=body["contact_id"])
    assert contact.case == a.case
    assert contact.person.first_name == "Newcontact"
    assert contact.person.phone == "07700900123"
    assert contact.proximity == "within_1m"
    assert contact.duration_minutes == 45
    assert body["contact"]["id"] == contact.pk
    assert body["contact"]["person"]["date_of_birth"] == "1991-05-06"
    assert TracingTask.objects.filter(kind=TaskKind.REACH_CONTACT, contact=contact).exists()
    event = AuditEvent.objects.get(object_type="cases.contact", object_id=str(contact.pk))
    assert (event.actor, event.source, event.action) == (user, "api", "create")


def test_naming_the_same_person_again_returns_the_existing_contact(world: World) -> None:
    a = world.district("a")
    client = token_client(world.users["tracer_a"])
    url = f"/api/cases/{a.case.pk}/contacts"
    first = call(client, "POST", url, new_contact())
    again = call(client, "POST", url, new_contact(contact_type="work"))
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["created"] is False
    assert again.json()["contact_id"] == first.json()["contact_id"]
    assert again.json()["contact"]["contact_type"] == "social"  # nothing was updated
    assert Contact.objects.filter(case=a.case).count() == 2


def test_an_impossible_date_of_birth_is_dropped_with_a_warning_and_the_contact_kept(
    world: World,
) -> None:
    a = world.district("a")
    client = token_client(world.users["tracer_a"])
    response = call(
        client,
        "POST",
        f"/api/cases/{a.case.pk}/contacts",
        new_contact(date_of_birth="2999-01-01"),
    )
    assert response.status_code == 201, response.json()
    assert any("2999-01-01" in warning for warning in response.json()["warnings"])
    assert response.json()["contact"]["person"]["date_of_birth"] is None


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"date_of_birth": "06/05/1991"}, "date_of_birth"),
        ({"nhs_number": "9434765918"}, "nhs_number"),
        ({"sex": "x"}, "sex"),
        ({"preferred_language": "e1"}, "preferred_language"),
        ({"last_exposure_date": "yesterday"}, "last_exposure_date"),
        ({"last_exposure_date": "2999-01-01"}, "last_exposure_date"),
        ({"contact_type": "pub"}, "contact_type"),
        ({"duration_minutes": -5}, "duration_minutes"),
        ({"duration_minutes": 15 * 24 * 60}, "duration_minutes"),
        ({"first_name": "", "last_name": "", "phone": ""}, "first_name"),
        # The case's own NHS number: a case cannot be their own contact.
        ({"nhs_number": "9434765919"}, "person"),
    ],
)
def test_bad_contact_is_422_naming_the_field_and_creates_nothing(
    world: World, overrides: dict[str, Any], field: str
) -> None:
    a = world.district("a")
    client = token_client(world.users["tracer_a"])
    counts = [m.objects.count() for m in (Person, Contact, TracingTask, AuditEvent)]
    response = call(
        client,
        "POST",
        f"/api/cases/{a.case.pk}/contacts",
        new_contact(**overrides),
    )
    assert response.status_code == 422, response.json()
    detail = response.json()["detail"]
    assert field in {error["field"] for error in detail}, detail
    assert all(error["message"] for error in detail)
    assert [m.objects.count() for m in (Person, Contact, TracingTask, AuditEvent)] == counts


def test_missing_required_fields_are_named(world: World) -> None:
    a = world.district("a")
    response = call(
        token_client(world.users["tracer_a"]),
        "POST",
        f"/api/cases/{a.case.pk}/contacts",
        {"first_name": "Only"},
    )
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["detail"]} == {
        "contact_type",
        "last_exposure_date",
    }


def test_malformed_json_is_a_clean_error(world: World) -> None:
    a = world.district("a")
    response = token_client(world.users["tracer_a"]).post(
        f"/api/cases/{a.case.pk}/contacts", data="{not json", content_type="application/json"
    )
    assert response.status_code in (400, 422)


def test_contact_outside_scope_is_recorded_but_not_shown(world: World) -> None:
    """A Leeds case names someone in Camden: Camden's team gets them; Leeds sees a count."""
    a = world.district("a")
    client = token_client(world.users["tracer_a"])
    response = call(
        client, "POST", f"/api/cases/{a.case.pk}/contacts", new_contact(postcode="NW1 2BB")
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["in_scope"], body["contact"]) == (False, None)
    contact = Contact.objects.get(pk=body["contact_id"])
    assert contact.jurisdiction == world.camden

    listing = call(client, "GET", f"/api/cases/{a.case.pk}/contacts").json()
    assert contact.pk not in response_ids_of(listing)
    assert (listing["count"], listing["outside_scope_count"]) == (1, 1)
    camden = token_client(world.users["tracer_b"])
    assert contact.pk in response_ids(call(camden, "GET", "/api/contacts"))


def test_naming_a_known_person_elsewhere_does_not_reveal_them(world: World) -> None:
    """An NHS number matches district B's case: tracer A must learn nothing about them."""
    a, b = world.district("a"), world.district("b")
    response = call(
        token_client(world.users["tracer_a"]),
        "POST",
        f"/api/cases/{a.case.pk}/contacts",
        new_contact(first_name="", last_name="", nhs_number=b.person.nhs_number),
    )
    assert response.status_code == 201
    assert response.json()["contact"] is None
    assert "CaseB" not in response.content.decode()
    assert Contact.objects.get(pk=response.json()["contact_id"]).person == b.person


def response_ids_of(body: dict[str, Any]) -> set[int]:
    return {item["id"] for item in body["items"]}


# --- Lists: paging and query counts ---------------------------------------------


def _more_contacts(world: World, n: int) -> None:
    a = world.district("a")
    for i in range(n):
        add_contact(
            a.case,
            PersonDetails(first_name=f"Extra{i}", last_name="Contact", postcode="LS6 3AB"),
            Exposure(contact_type="social", last_exposure_date=timezone.localdate()),
            reported_at=timezone.now(),
            actor=None,
            source="tests",
        )


@pytest.mark.parametrize(
    ("url", "max_queries"),
    [
        # token, scope (2), count, page
        ("/api/cases", 8),  # 5 reads + the audit event (savepoint, insert, release)
        ("/api/contacts", 8),
        # token, scope (2), case, count, page, all the case's contacts
        ("/api/cases/{case}/contacts", 10),
    ],
)
def test_list_query_counts_do_not_grow(
    world: World, django_assert_max_num_queries: Any, url: str, max_queries: int
) -> None:
    _more_contacts(world, 12)
    client = token_client(world.users["tracer_a"])
    url = url.format(case=world.district("a").case.pk)
    call(client, "GET", url)  # the first use also stamps last_used_at
    with django_assert_max_num_queries(max_queries):
        response = call(client, "GET", url)
    assert response.status_code == 200
    assert response.json()["count"] >= 1


def test_case_contacts_paging(world: World) -> None:
    _more_contacts(world, 4)
    client = token_client(world.users["tracer_a"])
    url = f"/api/cases/{world.district('a').case.pk}/contacts"
    pages = [call(client, "GET", f"{url}?limit=2&offset={offset}").json() for offset in (0, 2, 4)]
    assert [len(page["items"]) for page in pages] == [2, 2, 1]
    assert {page["count"] for page in pages} == {5}
    seen = [item["id"] for page in pages for item in page["items"]]
    assert len(set(seen)) == 5
    assert call(client, "GET", f"{url}?limit=101").status_code == 422
