"""The weekly bulletin: figures from the records, suppressed so nothing small can be derived."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from tracedesk.cases.models import Case, Contact, ContactType
from tracedesk.contracts.tests.factories import LONDON, add_case
from tracedesk.geography.models import Jurisdiction
from tracedesk.kpis.summary import rebuild_days
from tracedesk.lib.tests.test_suppression import determined
from tracedesk.people.models import Person
from tracedesk.publications.bulletin import compute_bulletin, latest_week, parse_week
from tracedesk.testing.world import PERSONAS, World
from tracedesk.tracing.models import TaskKind, TaskStatus, TracingTask

PUBLICATIONS_ROUTES = {"bulletin", "bulletin-csv", "bulletin-xlsx"}
WEEK = dt.date(2021, 2, 4)  # a Thursday
HOUR = dt.timedelta(hours=1)


def add_contact(case: Case, *, household: bool, reached_after: dt.timedelta | None) -> Contact:
    person = Person.objects.create(first_name="Generated", last_name="Contact",
                                   jurisdiction=case.jurisdiction)  # fmt: skip
    contact = Contact.objects.create(
        case=case, person=person, jurisdiction=case.jurisdiction,
        contact_type=ContactType.HOUSEHOLD if household else ContactType.WORK,
        last_exposure_date=case.created_at.date(), reported_at=case.created_at,
    )  # fmt: skip
    TracingTask.objects.create(
        kind=TaskKind.REACH_CONTACT, contact=contact, jurisdiction=case.jurisdiction,
        due_by=case.created_at + 24 * HOUR, created_at=case.created_at,
        status=TaskStatus.DONE if reached_after else TaskStatus.OPEN,
        completed_at=case.created_at + reached_after if reached_after else None,
    )  # fmt: skip
    return contact


def week_of_cases(leeds: Jurisdiction, camden: Jurisdiction) -> None:
    """Leeds: 12 cases (9 reached in 2 h, 1 in 30 h, 2 never), 20 contacts; Camden: 3 unreached."""
    at = dt.datetime(2021, 2, 5, 10, 0, tzinfo=LONDON)
    outcomes = [2 * HOUR] * 9 + [30 * HOUR] + [None, None]
    leeds_cases = [add_case(leeds, at + n * HOUR, after) for n, after in enumerate(outcomes)]
    for n in range(20):
        add_contact(
            leeds_cases[n % 10], household=n < 12, reached_after=3 * HOUR if n < 17 else None
        )
    for n in range(3):
        add_case(camden, at + n * HOUR, None)


@pytest.fixture
def week(world: World) -> World:
    week_of_cases(world.leeds, world.camden)
    return world


def test_the_tables_count_the_records(week: World) -> None:
    bulletin = compute_bulletin(WEEK, threshold=5, source="records")
    cases, contacts, kinds = bulletin.tables
    assert cases.cells == [[9, 1, 0, 0, 2], [0, 0, 0, 0, 3]]
    assert contacts.cells == [[17, 0, 0, 0, 3], [0, 0, 0, 0, 0]]
    assert kinds.cells == [[0, 0], [12, 8]]
    for table in bulletin.tables:
        hidden_small = {
            (r, c) for r, row in enumerate(table.table.grid) for c, v in enumerate(row) if 0 < v < 5
        }
        assert hidden_small <= table.table.hidden
        assert determined(table.table) == set()
    # Camden's 3 and Leeds's 1 and 2 are small: none of them is published.
    shown = [value for _, _, values in cases.display() for value in values]
    assert "3" not in shown and "1" not in shown and "2" not in shown
    assert cases.display()[-1][2][-1] == "15"  # the grand total stays published


def test_headlines_withhold_what_would_reveal_a_small_count(week: World) -> None:
    bulletin = compute_bulletin(WEEK, threshold=5, source="records")
    headlines = {h.kpi: h for h in bulletin.headlines}
    # 10 of 15 cases reached; the 5 not reached is not small, but the tables hid totals.
    assert (headlines["cases_reached"].numerator, headlines["cases_reached"].denominator) == (
        10,
        15,
    )
    assert headlines["contacts_reached:household"].denominator == 12
    low = compute_bulletin(WEEK, threshold=1, source="records")  # no suppression at all
    assert {h.kpi: h.shown for h in low.headlines}["cases_reached"] == "66.7%"
    assert all(not t.table.hidden for t in low.tables)


def test_an_empty_week_publishes_zeros(world: World) -> None:
    bulletin = compute_bulletin(dt.date(2020, 1, 2), threshold=5, source="records")
    assert all(not table.table.hidden for table in bulletin.tables)
    assert {h.shown for h in bulletin.headlines} == {"[c]"}  # no denominator to speak of


def test_weeks_run_thursday_to_wednesday() -> None:
    assert latest_week(dt.date(2021, 2, 11)) == dt.date(2021, 2, 4)  # a Thursday: last week
    assert latest_week(dt.date(2021, 2, 10)) == dt.date(2021, 1, 28)  # a Wednesday: not over
    assert parse_week("2021-02-04") == WEEK
    with pytest.raises(ValueError, match="not a Thursday"):
        parse_week("2021-02-05")


@pytest.mark.parametrize("persona", PERSONAS)
def test_access_and_formats(week: World, login: Callable[[str], Client], persona: str) -> None:
    rebuild_days([WEEK + dt.timedelta(days=n) for n in range(7)])  # what the worker keeps fresh
    client = login(persona)
    page = client.get(reverse("bulletin"), {"week": "2021-02-04"})
    csv_file = client.get(reverse("bulletin-csv"), {"week": "2021-02-04"})
    xlsx_file = client.get(reverse("bulletin-xlsx"), {"week": "2021-02-04"})
    if persona in {"tracer_a", "tracer_b"}:
        assert {page.status_code, csv_file.status_code, xlsx_file.status_code} == {403}
        return
    assert page.status_code == 200
    body = page.content.decode()
    assert "[c]" in body and "Leeds" in body and "Camden" in body
    rows = list(csv.DictReader(io.StringIO(csv_file.content.decode())))
    camden = {
        r["measure"]: r["value"] for r in rows if r["table"] == "cases" and r["row"] == "Camden"
    }
    assert camden["Not reached"] == "[c]" and camden["Transferred to contact tracing"] == "[c]"
    total = next(r for r in rows if r["table"] == "cases" and r["row"] == "All areas"
                 and r["measure"] == "Transferred to contact tracing")  # fmt: skip
    assert total["value"] == "15"
    book = load_workbook(io.BytesIO(b"".join(xlsx_file.streaming_content)))  # type: ignore[attr-defined]
    assert book.sheetnames == ["Notes", "Headlines", "cases", "contacts", "contact_kinds"]
    values = [cell for row in book["cases"].iter_rows(values_only=True) for cell in row]
    assert "[c]" in values and 15 in values and 3 not in values


def test_bad_weeks_are_400_and_wrong_methods_405(
    world: World, login: Callable[[str], Client]
) -> None:
    client = login("analyst")
    for bad, message in [("2021-02-05", b"not a Thursday"), ("soon", b"not a date")]:
        response = client.get(reverse("bulletin"), {"week": bad})
        assert response.status_code == 400 and message in response.content
    for name in PUBLICATIONS_ROUTES:
        assert client.post(reverse(name)).status_code == 405
        anonymous = Client().get(reverse(name))
        assert anonymous.status_code == 302


def test_records_and_summary_tables_give_the_same_bulletin(week: World) -> None:
    rebuild_days([WEEK + dt.timedelta(days=n) for n in range(7)])
    from_records = compute_bulletin(WEEK, threshold=5, source="records")
    from_summary = compute_bulletin(WEEK, threshold=5, source="summary")
    assert [t.cells for t in from_records.tables] == [t.cells for t in from_summary.tables]
    assert from_records.headlines == from_summary.headlines
