"""Cluster pages: access, the decision, what confirming does, the chain page."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tracedesk.audit.models import AuditEvent
from tracedesk.clusters.models import ClusterStatus
from tracedesk.clusters.tests.helpers import attend, gym_cluster, make_case
from tracedesk.messaging.models import Message
from tracedesk.testing.world import PERSONAS, World
from tracedesk.tracing.models import TaskKind, TracingTask

CLUSTER_ROUTES = {"cluster-list", "cluster-detail", "cluster-decide", "case-chain"}
DECIDERS = {"health_protection"}  # MANAGE_OUTBREAKS with Leeds in scope


@pytest.mark.parametrize("persona", PERSONAS)
def test_access(world: World, login: Callable[[str], Client], persona: str) -> None:
    cluster = gym_cluster(world.leeds)
    client = login(persona)
    listing = client.get(reverse("cluster-list"))
    detail = client.get(reverse("cluster-detail", args=[cluster.pk]))
    decided = client.post(reverse("cluster-decide", args=[cluster.pk]), {"decision": "confirm"})
    cluster.refresh_from_db()
    if persona in DECIDERS:
        assert listing.status_code == 200 and b"Gym GYM-T" in listing.content
        assert detail.status_code == 200
        assert decided.status_code == 302 and cluster.status == ClusterStatus.CONFIRMED
    else:
        assert (listing.status_code, detail.status_code, decided.status_code) == (403, 403, 403)
        assert cluster.status == ClusterStatus.PROPOSED


def test_a_cluster_outside_scope_is_not_found(world: World, login: Callable[[str], Client]) -> None:
    camden = gym_cluster(world.camden, postcode="NW1 2BB", ref="GYM-C")
    client = login("health_protection")  # Yorkshire
    assert client.get(reverse("cluster-detail", args=[camden.pk])).status_code == 404
    assert b"GYM-C" not in client.get(reverse("cluster-list")).content
    response = client.post(reverse("cluster-decide", args=[camden.pk]), {"decision": "confirm"})
    assert response.status_code == 404
    camden.refresh_from_db()
    assert camden.status == ClusterStatus.PROPOSED


def test_anonymous_wrong_method_and_unknown_ids(world: World, client: Client, login) -> None:
    cluster = gym_cluster(world.leeds)
    case = world.district("a").case
    for url in (
        reverse("cluster-list"),
        reverse("cluster-detail", args=[cluster.pk]),
        reverse("case-chain", args=[case.pk]),
    ):
        assert client.get(url).status_code == 302
    assert client.post(reverse("cluster-decide", args=[cluster.pk])).status_code == 302
    hp = login("health_protection")
    assert hp.get(reverse("cluster-decide", args=[cluster.pk])).status_code == 405
    assert hp.post(reverse("cluster-detail", args=[cluster.pk])).status_code == 405
    assert hp.post(reverse("cluster-list")).status_code == 405
    assert hp.get(reverse("cluster-detail", args=[999_999])).status_code == 404
    assert hp.get(reverse("case-chain", args=[999_999])).status_code == 404


def test_the_page_shows_timeline_cases_log_and_audits(world, login) -> None:
    cluster = gym_cluster(world.leeds)
    html = login("health_protection").get(reverse("cluster-detail", args=[cluster.pk]))
    text = html.content.decode()
    assert "Timeline" in text and "Household 2" in text and "Proposed" in text
    for link in cluster.members.all():
        assert f"Case {link.case_id}" in text
    # Nothing inline: scripts are static files; the chain's data is JSON, never executed.
    body = text.split("</head>")[1]
    scripts = re.findall(r"<script[^>]*>", body)
    assert scripts and all(
        ' src="/static/' in tag or 'type="application/json"' in tag for tag in scripts
    ), scripts
    assert re.search(r'<script id="chain-graph-data" type="application/json">', body)
    assert AuditEvent.objects.filter(
        object_type="clusters.cluster", object_id=str(cluster.pk), action="view"
    ).exists()


def test_confirming_opens_a_setting_task_and_messages_other_attendees(world, login) -> None:
    cluster = gym_cluster(world.leeds)
    # Someone else known to have been there in the window, and someone there much earlier.
    other = make_case(world.leeds, specimen_on=timezone.now().date(), house=9, phone="07700900222")
    attend(other, cluster.setting, cluster.first_exposure_on)
    early = make_case(world.leeds, specimen_on=timezone.now().date(), house=10)
    attend(early, cluster.setting, cluster.first_exposure_on - dt.timedelta(days=20))
    client = login("health_protection")
    client.post(
        reverse("cluster-decide", args=[cluster.pk]),
        {"decision": "confirm", "note": "Same class, same evening"},
    )
    cluster.refresh_from_db()
    assert cluster.status == ClusterStatus.CONFIRMED
    assert cluster.decided_by == world.users["health_protection"]
    task = TracingTask.objects.get(kind=TaskKind.NOTIFY_SETTING, setting=cluster.setting)
    assert task.due_by > timezone.now()
    sent = Message.objects.filter(template="cluster_attendee")
    assert list(sent.values_list("person_id", flat=True)) == [other.person_id]
    assert cluster.setting.name in sent.get().body
    assert cluster.attendees_notified == 1
    assert [e.kind for e in cluster.log.all()] == ["proposed", "confirmed", "task", "notified"]
    # Deciding again is refused and changes nothing.
    again = client.post(reverse("cluster-decide", args=[cluster.pk]), {"decision": "confirm"},
                        follow=True)  # fmt: skip
    assert "decided already" in again.content.decode()
    assert TracingTask.objects.filter(kind=TaskKind.NOTIFY_SETTING).count() == 1
    assert sent.count() == 1


def test_dismissing_needs_a_reason(world, login) -> None:
    cluster = gym_cluster(world.leeds)
    client = login("health_protection")
    page = client.post(reverse("cluster-decide", args=[cluster.pk]), {"decision": "dismiss"},
                       follow=True)  # fmt: skip
    assert "Say why" in page.content.decode()
    cluster.refresh_from_db()
    assert cluster.status == ClusterStatus.PROPOSED
    client.post(
        reverse("cluster-decide", args=[cluster.pk]),
        {"decision": "dismiss", "note": "Different sessions, different floors"},
    )
    cluster.refresh_from_db()
    assert cluster.status == ClusterStatus.DISMISSED
    assert not TracingTask.objects.filter(kind=TaskKind.NOTIFY_SETTING).exists()


def test_list_filters_by_status_and_does_not_query_per_row(world, login) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    gym_cluster(world.leeds, ref="GYM-1")
    client = login("health_protection")
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("cluster-list"))
    gym_cluster(world.leeds, ref="GYM-2")
    gym_cluster(world.leeds, ref="GYM-3")
    with CaptureQueriesContext(connection) as three:
        page = client.get(reverse("cluster-list"))
    assert len(three) == len(one)
    assert b"GYM-1" in page.content and b"GYM-3" in page.content
    assert b"GYM-1" not in client.get(reverse("cluster-list") + "?status=dismissed").content
