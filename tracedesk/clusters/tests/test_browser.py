"""In Debian's headless Chromium: a health protection user confirms a proposed cluster."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from tracedesk.accounts.twofactor import current_code
from tracedesk.cases.actions import Exposure, add_contact
from tracedesk.clusters.models import ClusterStatus
from tracedesk.clusters.tests.helpers import attend, gym_cluster, make_case
from tracedesk.home.tests.test_browser import browser, page  # noqa: F401  (fixtures)
from tracedesk.messaging.models import Message
from tracedesk.people.details import PersonDetails
from tracedesk.testing.twofactor import enrolled_device
from tracedesk.testing.world import PASSWORD, World
from tracedesk.tracing.models import TaskKind, TracingTask

pytestmark = pytest.mark.browser


@pytest.mark.django_db(transaction=True)
def test_health_protection_confirms_a_cluster_in_the_browser(
    world: World,
    live_server: object,
    page: Page,  # noqa: F811
) -> None:
    cluster = gym_cluster(world.leeds)
    other = make_case(world.leeds, specimen_on=timezone.now().date(), house=8)
    attend(other, cluster.setting, cluster.first_exposure_on)
    base = str(live_server)
    user = world.users["health_protection"]
    device = enrolled_device(user)
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Username").fill("health_protection")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_label("Code").fill(current_code(device))
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("link", name="Clusters").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Clusters")
    page.get_by_role("link", name=f"Cluster {cluster.pk}").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Gym GYM-T")
    expect(page.get_by_role("img", name="Transmission chain graph")).to_be_visible()
    expect(page.get_by_role("table", name="Links in the chain")).to_be_visible()
    page.get_by_label("Note (required to dismiss)").fill("Same spin class")
    page.get_by_role("button", name="Confirm cluster").click()
    expect(page.get_by_role("status")).to_contain_text("1 other attendee(s) were sent a message")
    expect(page.get_by_role("table", name="Log")).to_contain_text("Attendees notified")
    expect(page.get_by_role("button", name="Confirm cluster")).to_have_count(0)
    cluster.refresh_from_db()
    assert cluster.status == ClusterStatus.CONFIRMED
    assert TracingTask.objects.filter(
        kind=TaskKind.NOTIFY_SETTING, setting=cluster.setting
    ).exists()
    assert Message.objects.filter(template="cluster_attendee", person=other.person).count() == 1


def _sign_in(page: Page, base: str, world: World) -> None:  # noqa: F811
    device = enrolled_device(world.users["health_protection"])
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Username").fill("health_protection")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_label("Code").fill(current_code(device))
    page.get_by_role("button", name="Continue").click()


@pytest.mark.django_db(transaction=True)
def test_the_chain_graph_is_drawn_in_the_browser_by_the_vendored_library(
    world: World,
    live_server: object,
    page: Page,  # noqa: F811
) -> None:
    """Cytoscape (vendored, no CDN) draws the cluster's and a case's chain from the page's
    JSON data element; the server's SVG is then hidden and the table stays."""
    cluster = gym_cluster(world.leeds)
    first, second = (link.case for link in cluster.members.select_related("case"))
    later = make_case(world.leeds, specimen_on=timezone.now().date(), house=9)
    p = later.person
    add_contact(second, PersonDetails(first_name=p.first_name, last_name=p.last_name,
                                      date_of_birth=p.date_of_birth, nhs_number=p.nhs_number),
                Exposure(contact_type="social",
                         last_exposure_date=timezone.now().date() - dt.timedelta(days=3)),
                reported_at=timezone.now(), actor=None, source="tests")  # fmt: skip
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    outside: list[str] = []
    page.on("request", lambda r: outside.append(r.url) if "127.0.0.1" not in r.url
            and "localhost" not in r.url else None)  # fmt: skip
    base = str(live_server)
    _sign_in(page, base, world)

    page.goto(f"{base}/clusters/{cluster.pk}/")
    graph = page.locator("#chain-graph")
    expect(graph).to_be_visible()
    # The setting, the two cases of the cluster and the case the second one infected.
    expect(graph).to_have_attribute("data-nodes", "4")
    expect(graph).to_have_attribute("data-edges", "3")
    expect(graph.locator("canvas").first).to_be_attached()
    expect(page.locator("#chain-static")).to_be_hidden()
    expect(page.get_by_role("table", name="Links in the chain")).to_contain_text(f"Case {later.pk}")
    labels = page.evaluate(
        "() => window.tracedeskChainGraph.nodes().map(n => n.data('label')).sort()"
    )
    assert labels == sorted(
        ["Gym GYM-T", f"Case {first.pk}", f"Case {second.pk}", f"Case {later.pk}"]
    )
    # Selecting a case node opens that case.
    page.evaluate(f"() => window.tracedeskChainGraph.$('#case-{later.pk}').emit('tap')")
    expect(page).to_have_url(f"{base}/cases/{later.pk}/")

    page.goto(f"{base}/cases/{later.pk}/chain/")
    expect(page.locator("#chain-graph")).to_have_attribute("data-nodes", "2")
    expect(page.locator("#chain-graph")).to_have_attribute("data-edges", "1")
    src = page.locator("script[src*='cytoscape']").get_attribute("src") or ""
    assert src.startswith("/static/clusters/vendor/cytoscape/")
    assert not outside, outside  # nothing from a CDN
    assert not errors, errors
