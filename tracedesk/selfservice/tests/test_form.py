"""The form: date of birth first, contacts and places through matching, clear errors."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from tracedesk.audit.models import AuditEvent
from tracedesk.cases.models import Contact, ContactType
from tracedesk.messaging.gateways import FileGateway
from tracedesk.places.models import Attendance, AttendanceSource
from tracedesk.selfservice.models import AccessLink
from tracedesk.testing.world import World
from tracedesk.tracing.models import TaskKind, TaskStatus, TracingTask

from .helpers import invite_and_read_link, path_of

DOB = "1980-01-02"  # the world's cases


@pytest.fixture
def link(world: World, outbox: FileGateway, django_capture_on_commit_callbacks: Any) -> str:
    url = invite_and_read_link(outbox, django_capture_on_commit_callbacks, district_case=None)
    return path_of(url)


def link_of(world: World, district: str) -> AccessLink:
    return AccessLink.objects.get(case=world.district(district).case)


def case_of_link(world: World, path: str) -> str:
    from tracedesk.selfservice.actions import find_link

    found = find_link(path.split("/")[2])
    assert found is not None
    return "a" if found.case == world.district("a").case else "b"


def form_data(contacts: list[dict[str, str]], places: list[dict[str, str]]) -> dict[str, str]:
    data = {
        "contacts-TOTAL_FORMS": str(len(contacts)),
        "contacts-INITIAL_FORMS": "0",
        "places-TOTAL_FORMS": str(len(places)),
        "places-INITIAL_FORMS": "0",
        "send": "1",
    }
    for prefix, rows in (("contacts", contacts), ("places", places)):
        for i, row in enumerate(rows):
            data.update({f"{prefix}-{i}-{key}": value for key, value in row.items()})
        if prefix == "places":
            for i in range(len(rows)):
                data.setdefault(f"places-{i}-setting_type", "other")
    return data


YESTERDAY = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
FRIEND = {"first_name": "Priya", "last_name": "Shah", "phone": "07700 900456",
          "last_contact": YESTERDAY}  # fmt: skip
PARTNER = {"first_name": "Sam", "last_name": "Testperson", "household": "on",
           "last_contact": YESTERDAY}  # fmt: skip
GYM = {"name": "Kirkstall Gym", "setting_type": "gym", "postcode": "ls5 3be",
       "visited_on": YESTERDAY}  # fmt: skip


def confirmed(client: Client, link: str) -> Client:
    response = client.post(link, {"date_of_birth": DOB})
    assert response.status_code == 302 and response["Location"].endswith("/form/")
    return client


def test_the_form_needs_the_date_of_birth_first(world: World, link: str, client: Client) -> None:
    assert client.get(link + "form/")["Location"] == link
    response = client.post(link, {"date_of_birth": "1999-09-09"})
    assert response.status_code == 200 and b"does not match" in response.content
    response = client.post(link, {"date_of_birth": "not a date"})
    assert b"real date" in response.content
    confirmed(client, link)
    assert client.get(link + "form/").status_code == 200
    assert client.get(link).status_code == 302  # already confirmed in this session


def test_wrong_birth_dates_lock_the_link(
    world: World, link: str, client: Client, settings: Any
) -> None:
    settings.SELF_SERVICE_DOB_ATTEMPTS = 3
    for _ in range(2):
        assert client.post(link, {"date_of_birth": "1999-09-09"}).status_code == 200
    response = client.post(link, {"date_of_birth": "1999-09-09"})
    assert response.status_code == 403 and b"locked" in response.content
    response = client.post(link, {"date_of_birth": DOB})  # even the right one, now
    assert response.status_code == 403
    assert Client().get(link).status_code == 403


def test_attempts_are_rate_limited_per_network_address(
    world: World, link: str, client: Client, settings: Any
) -> None:
    settings.SELF_SERVICE_IP_ATTEMPTS_PER_HOUR = 2
    settings.SELF_SERVICE_DOB_ATTEMPTS = 100
    for _ in range(2):
        client.post(link, {"date_of_birth": "1999-09-09"})
    response = client.post(link, {"date_of_birth": DOB})
    assert response.status_code == 429
    other = Client(REMOTE_ADDR="192.0.2.7")
    assert other.post(link, {"date_of_birth": DOB}).status_code == 302


def test_submitting_adds_contacts_with_tasks_places_and_completes_the_call(
    world: World, link: str, client: Client
) -> None:
    district = world.district(case_of_link(world, link))
    confirmed(client, link)
    response = client.post(link + "form/", form_data([FRIEND, PARTNER], [GYM]))
    assert response.status_code == 302 and response["Location"].endswith("/s/done/")
    contacts = Contact.objects.filter(case=district.case, source_ref__startswith="selfservice-")
    assert contacts.count() == 2
    friend = contacts.get(person__first_name="Priya")
    partner = contacts.get(person__first_name="Sam")
    assert friend.person.phone == "07700900456" and friend.contact_type == ContactType.OTHER
    assert partner.contact_type == ContactType.HOUSEHOLD
    assert partner.person.address is not None
    assert partner.person.address.postcode == district.person.address.postcode  # type: ignore[union-attr]
    for contact in (friend, partner):
        assert TracingTask.objects.filter(
            contact=contact, kind=TaskKind.REACH_CONTACT, status=TaskStatus.OPEN
        ).exists()
    attendance = Attendance.objects.get(case=district.case, source=AttendanceSource.SELF_SERVICE)
    assert attendance.setting.name == "Kirkstall Gym"
    assert attendance.setting.address.postcode == "LS5 3BE"  # type: ignore[union-attr]
    district.case_task.refresh_from_db()
    assert district.case_task.status == TaskStatus.DONE
    # The link is used up.
    assert client.get(link).status_code == 410
    assert b"already sent" in Client().get(link).content
    assert AuditEvent.objects.filter(
        object_type="selfservice.accesslink", purpose="self-service form completed"
    ).exists()


def test_bad_rows_get_errors_by_field_and_nothing_is_kept(
    world: World, link: str, client: Client
) -> None:
    district = world.district(case_of_link(world, link))
    confirmed(client, link)
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    bad = [
        {"first_name": "Priya", "last_contact": YESTERDAY},  # no last name, no way to reach
        {"first_name": "Jo", "last_name": "Bloggs", "phone": "12345", "last_contact": tomorrow},
        {"first_name": "Al", "last_name": "Ex", "email": "not-an-email", "last_contact": YESTERDAY},
    ]
    response = client.post(
        link + "form/", form_data([FRIEND, *bad], [{"name": "", "visited_on": "2001-01-01"}])
    )
    assert response.status_code == 400
    text = response.content.decode()
    for message in [
        "Person 2: Enter their last name.",
        "Person 2: Give a phone number or an email address",
        "Person 3: Enter a UK phone number",
        "Person 3: The last day together must be between",
        "Person 4: Enter an email address like name@example.com.",
        "Place 1: Enter the name of the place.",
        "Place 1: The day you were there must be between",
    ]:
        assert message in text, message
    assert 'value="Priya"' in text  # what was typed is kept
    assert not Contact.objects.filter(source_ref__startswith="selfservice-").exists()
    district.case_task.refresh_from_db()
    assert district.case_task.status == TaskStatus.OPEN


def test_naming_yourself_is_an_error_on_that_row(world: World, link: str, client: Client) -> None:
    district = world.district(case_of_link(world, link))
    person = district.person
    confirmed(client, link)
    myself = {"first_name": person.first_name, "last_name": person.last_name,
              "date_of_birth": DOB, "phone": person.phone, "last_contact": YESTERDAY}  # fmt: skip
    response = client.post(link + "form/", form_data([FRIEND, myself], []))
    assert response.status_code == 400
    assert "cannot be their own contact" in response.content.decode()
    assert not Contact.objects.filter(source_ref__startswith="selfservice-").exists()


def test_add_another_row_works_without_javascript(world: World, link: str, client: Client) -> None:
    confirmed(client, link)
    data = form_data([FRIEND], [])
    data.pop("send")
    data["add"] = "contacts"
    response = client.post(link + "form/", data)
    assert response.status_code == 200
    text = response.content.decode()
    assert "Person 2" in text and 'value="Priya"' in text
    assert not Contact.objects.filter(source_ref__startswith="selfservice-").exists()


def test_expired_and_unknown_links_show_a_clear_page(
    world: World, link: str, client: Client
) -> None:
    AccessLink.objects.update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    response = client.get(link)
    assert response.status_code == 410 and b"expired" in response.content
    response = client.get("/s/not-a-real-token/")
    assert response.status_code == 404 and b"do not recognise" in response.content


def test_an_empty_form_completes_the_call_too(world: World, link: str, client: Client) -> None:
    """Someone who saw nobody and went nowhere has still answered."""
    district = world.district(case_of_link(world, link))
    confirmed(client, link)
    response = client.post(link + "form/", form_data([{}, {}], [{}]))
    assert response.status_code == 302
    district.case_task.refresh_from_db()
    assert district.case_task.status == TaskStatus.DONE
