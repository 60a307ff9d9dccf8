"""The KPI dashboard: who may open it, what it shows, scoped to the viewer's area."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tracedesk.kpis.dashboard import week_of
from tracedesk.kpis.facts import day_start
from tracedesk.kpis.summary import rebuild_all
from tracedesk.kpis.tests import builders as b
from tracedesk.testing.world import PERSONAS, World
from tracedesk.tracing.models import TracerStateChange

KPIS_ROUTES = {"kpi-dashboard"}
STATISTICS = {"supervisor_a", "health_protection", "analyst", "admin"}


@pytest.mark.parametrize("persona", PERSONAS)
def test_access_matrix(login, persona: str) -> None:
    client = login(persona)
    response = client.get(reverse("kpi-dashboard"))
    assert response.status_code == (200 if persona in STATISTICS else 403)


def test_anonymous_is_sent_to_sign_in(world: World) -> None:
    response = Client().get(reverse("kpi-dashboard"))
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_wrong_method_and_bad_week(login) -> None:
    client = login("analyst")
    assert client.post(reverse("kpi-dashboard")).status_code == 405
    bad = client.get(reverse("kpi-dashboard"), {"week": "last tuesday"})
    assert bad.status_code == 400
    assert b"not a date" in bad.content


@pytest.fixture
def week(world: World) -> dt.date:
    """A week with 3 Leeds cases (2 reached within 24 h) and 5 Camden cases, summarised."""
    monday = week_of(None)
    start = day_start(monday)
    tracer = world.users["tracer_a"]
    for hours in (1, 2, 30):
        c = b.case(world.leeds, transferred=start + dt.timedelta(hours=hours))
        if hours < 10:
            b.reach_case(c, tracer, start + dt.timedelta(hours=hours + 3))
            b.contact(c, reported=start + dt.timedelta(hours=hours + 3), household=True)
    for hours in range(5):
        b.case(world.camden, transferred=start + dt.timedelta(hours=hours))
    TracerStateChange.objects.create(
        user=tracer, state="available", at=start + dt.timedelta(hours=9)
    )
    rebuild_all(now=start + dt.timedelta(days=7))
    return monday


def test_dashboard_shows_the_figures_of_the_viewers_area(login, week: dt.date) -> None:
    leeds = login("supervisor_a").get(reverse("kpi-dashboard"), {"week": week.isoformat()})
    page = leeds.content.decode()
    assert "Cases reached within 24 hours" in page
    assert '<td class="num">3</td>' in page  # Leeds: 3 cases transferred
    assert "67%" in page  # 2 of 3 reached within 24 h
    assert "Leeds tracing team" in page  # utilisation table
    national = login("analyst").get(reverse("kpi-dashboard"), {"week": week.isoformat()})
    text = national.content.decode()
    assert '<td class="num">8</td>' in text  # England: 3 + 5
    assert "25%" in text  # 2 of 8 within 24 h
    assert "Synth" not in text  # aggregates only: never a name


def test_queue_counts_deadlines_at_risk(login, world: World) -> None:
    now = timezone.now()
    b.case(world.leeds, transferred=now - dt.timedelta(hours=30))  # due 6 h ago
    b.case(world.leeds, transferred=now - dt.timedelta(hours=23))  # due within 2 h
    page = login("supervisor_a").get(reverse("kpi-dashboard")).content.decode()
    row = page.split("Reach the case</th>")[1].split("</tr>")[0]
    cells = [c.split("</td>")[0] for c in row.split('<td class="num">')[1:]]
    # overdue, within 2 h, 2-6 h, later, waiting, active (the world's own case is due later)
    assert cells[:2] == ["1", "1"]


def test_dashboard_reads_summaries_in_few_queries(
    login, week: dt.date, django_assert_max_num_queries
) -> None:
    client = login("analyst")
    client.get(reverse("kpi-dashboard"), {"week": week.isoformat()})
    # Session, user, scope, two summary reads, teams, tracer hours, queue: no per-row queries.
    with django_assert_max_num_queries(15):
        client.get(reverse("kpi-dashboard"), {"week": week.isoformat()})
