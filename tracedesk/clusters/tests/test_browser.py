"""In Debian's headless Chromium: a health protection user confirms a proposed cluster."""

from __future__ import annotations

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from tracedesk.accounts.twofactor import current_code
from tracedesk.clusters.models import ClusterStatus
from tracedesk.clusters.tests.helpers import attend, gym_cluster, make_case
from tracedesk.home.tests.test_browser import browser, page  # noqa: F401  (fixtures)
from tracedesk.messaging.models import Message
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
    expect(page.get_by_role("img", name="Transmission chain")).to_be_visible()
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
