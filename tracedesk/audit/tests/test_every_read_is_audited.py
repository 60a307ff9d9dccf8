"""Walk every read route, web and API, as someone allowed to read it: each leaves an event.

Every route of the project must be listed here as a read of personal data (with how to
reach it), a page without personal data (with the reason), or a write (audited by its
action); a route in none of them fails ``test_every_web_route_is_classified``.
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tracedesk.accounts.actions import issue_token
from tracedesk.api import api
from tracedesk.audit.models import Action, AuditEvent, Outcome
from tracedesk.ingest.models import IngestBatch
from tracedesk.ingest.pipeline import ingest_file
from tracedesk.ingest.tests.feeds import row, write_csv
from tracedesk.linkage.models import MatchReview
from tracedesk.linkage.tests.test_views import _review
from tracedesk.testing.api_routes import api_route_matrix
from tracedesk.testing.routes import named_web_routes
from tracedesk.testing.world import World

READS = {Action.VIEW, Action.LIST, Action.EXPORT}


@dataclasses.dataclass
class Things:
    world: World
    batch: IngestBatch
    review: MatchReview

    @property
    def rejection_id(self) -> int:
        return self.batch.rejections.get().pk


@pytest.fixture
def things(world: World, tmp_path: Path) -> Things:
    feed = write_csv(tmp_path / "feed.csv", [row("S1"), row("S2", result="MAYBE")])
    batch = ingest_file(feed, actor=world.users["supervisor_a"], channel="web")
    return Things(world=world, batch=batch, review=_review(world))


Url = Callable[[Things], str]
A = "a"

# name -> (who reads it, its address)
WEB_READS: dict[str, tuple[str, Url]] = {
    "tracer-home": ("tracer_a", lambda t: reverse("tracer-home")),
    "supervisor-home": ("supervisor_a", lambda t: reverse("supervisor-home")),
    "health-protection-home": ("health_protection", lambda t: reverse("health-protection-home")),
    "person-list": ("tracer_a", lambda t: reverse("person-list")),
    "person-detail": (
        "tracer_a",
        lambda t: reverse("person-detail", args=[t.world.district(A).person.pk]),
    ),
    "case-list": ("tracer_a", lambda t: reverse("case-list")),
    "case-detail": (
        "tracer_a",
        lambda t: reverse("case-detail", args=[t.world.district(A).case.pk]),
    ),
    "contact-detail": (
        "tracer_a",
        lambda t: reverse("contact-detail", args=[t.world.district(A).contact.pk]),
    ),
    "setting-detail": (
        "tracer_a",
        lambda t: reverse("setting-detail", args=[t.world.district(A).setting.pk]),
    ),
    "review-list": ("supervisor_a", lambda t: reverse("review-list")),
    "review-detail": ("supervisor_a", lambda t: reverse("review-detail", args=[t.review.pk])),
    "ingest-detail": ("supervisor_a", lambda t: reverse("ingest-detail", args=[t.batch.pk])),
    "rejection-detail": (
        "supervisor_a",
        lambda t: reverse("rejection-detail", args=[t.rejection_id]),
    ),
    "audit-trail": ("admin", lambda t: reverse("audit-trail")),
    "audit-alerts": ("admin", lambda t: reverse("audit-alerts")),
    "person-access": (
        "supervisor_a",
        lambda t: reverse("person-access", args=[t.world.district(A).person.pk]),
    ),
}
# Reads of personal data whose data only their own app's tests build: walked there; here
# their view must visibly write its read event (``test_reads_elsewhere_call_the_audit``).
WEB_READS_ELSEWHERE: dict[str, str] = {
    "household-proposals": "linkage", "merge-list": "linkage", "cluster-list": "clusters",
    "cluster-detail": "clusters",
    "case-chain": "clusters", "contract-statement-records": "contracts",
    "export-kpis": "exports", "export-dataset": "exports", "message-outbox": "messaging",
    "check-in": "followup", "tracing-work": "tracing", "tracing-task": "tracing",
    "tracing-console": "tracing", "user-list": "accounts", "user-detail": "accounts",
    "checkin-detail": "places",
}  # fmt: skip
WEB_WITHOUT_PERSONAL_DATA: dict[str, str] = {
    "home": "redirects to the role's home page",
    "login": "the sign-in form",
    "logout": "signs out (POST)",
    "analyst-home": "aggregate daily counts only",
    "admin-home": "staff accounts, not personal records; account changes are audited actions",
    "ingest-list": "batch metadata: file names, formats and counts",
    "ingest-progress": "a batch's reconciliation counts",
    "checkin-list": "check-in import metadata: file names and counts",
    "checkin-progress": "a check-in import's reconciliation counts",
    "contract-list": "contracts and their service levels",
    "contract-detail": "a contract's service levels",
    "contract-statement": "a month's service-level figures and credits (aggregates)",
    "contract-statement-csv": "the same statement as CSV",
    "contract-statement-pdf": "the same statement as PDF",
    "export-index": "the list of datasets one may export",
    "selfservice-start": "the person's own single-use link: nothing about anyone else",
    "selfservice-form": "the person's own single-use link: what they enter is audited",
    "selfservice-done": "a thank-you page",
    "check-in-done": "a thank-you page",
    "two-factor-manage": "the signed-in user's own second factor",
    "two-factor-setup": "the signed-in user's own second factor",
    "two-factor-verify": "the signed-in user's own second factor",
    "reauthenticate": "asks the signed-in user for their password again",
    "accept-invitation": "a new user sets their own password",
    "kpi-dashboard": "aggregate KPIs and the queue's size; no record of a person",
    "bulletin": "published statistics: aggregates with small numbers suppressed",
    "bulletin-csv": "the same bulletin as CSV",
    "bulletin-xlsx": "the same bulletin as XLSX",
}
WEB_WRITES: dict[str, str] = {
    "ingest-upload": "POST: the ingest actions audit every record written",
    "checkin-upload": "POST: the places import audits every record written",
    "contract-statement-issue": "POST: audited by the contracts action",
    "review-decide": "POST: decide_review audits the decision and any merge",
    "merge-undo": "POST: unmerge audits every record moved back",
    "audit-acknowledge": "POST: acknowledge_alert audits the review",
    "household-proposal-decide": "POST: audited by the linkage action",
    "cluster-decide": "POST: audited by the clusters action",
    "force-majeure-declare": "POST: audited by the contracts action",
    "notify-status": "POST: delivery callbacks from the gateway, audited by messaging",
    "tracing-next": "POST: claiming a task is audited by the tracing action",
    "tracing-state": "POST: a tracer's own availability",
    "tracing-attempt": "POST: audited by the tracing action",
    "tracing-interview": "POST: audited by the tracing action",
    "tracing-give-back": "POST: audited by the tracing action",
    "tracing-assign": "POST: audited by the tracing action",
    "user-invite": "a form, then an audited account action",
    "user-disable": "POST: audited account action",
    "user-enable": "POST: audited account action",
    "user-role": "POST: audited account action",
    "user-jurisdictions": "POST: audited account action",
    "user-unlock": "POST: audited account action",
    "user-reset-two-factor": "POST: audited account action",
    "user-reinvite": "POST: audited account action",
}

# (method, path) -> (who reads it, its address)
API_READS: dict[tuple[str, str], tuple[str, Url]] = {
    ("GET", "/api/people"): ("tracer_a", lambda t: "/api/people?q=Testperson"),
    ("GET", "/api/people/{person_id}"): (
        "tracer_a",
        lambda t: f"/api/people/{t.world.district(A).person.pk}",
    ),
    ("GET", "/api/cases"): ("tracer_a", lambda t: "/api/cases"),
    ("GET", "/api/cases/{case_id}"): (
        "tracer_a",
        lambda t: f"/api/cases/{t.world.district(A).case.pk}",
    ),
    ("GET", "/api/cases/{case_id}/contacts"): (
        "tracer_a",
        lambda t: f"/api/cases/{t.world.district(A).case.pk}/contacts",
    ),
    ("GET", "/api/contacts"): ("tracer_a", lambda t: "/api/contacts"),
    ("GET", "/api/contacts/{contact_id}"): (
        "tracer_a",
        lambda t: f"/api/contacts/{t.world.district(A).contact.pk}",
    ),
    ("GET", "/api/match-reviews"): ("supervisor_a", lambda t: "/api/match-reviews"),
    ("GET", "/api/match-reviews/{review_id}"): (
        "supervisor_a",
        lambda t: f"/api/match-reviews/{t.review.pk}",
    ),
    ("GET", "/api/ingest-batches/{batch_id}/rejections"): (
        "supervisor_a",
        lambda t: f"/api/ingest-batches/{t.batch.pk}/rejections",
    ),
}
# The API reads above that return a list: each event must name exactly the ids returned.
API_LISTS: dict[tuple[str, str], str] = {
    ("GET", "/api/people"): "people.person",
    ("GET", "/api/cases"): "cases.case",
    ("GET", "/api/cases/{case_id}/contacts"): "cases.contact",
    ("GET", "/api/contacts"): "cases.contact",
    ("GET", "/api/match-reviews"): "linkage.matchreview",
    ("GET", "/api/ingest-batches/{batch_id}/rejections"): "ingest.rejectedrecord",
}
API_READS_ELSEWHERE: dict[tuple[str, str], str] = {
    ("GET", "/api/household-proposals"): "linkage",
    ("GET", "/api/person-merges"): "linkage",
    ("GET", "/api/people/{person_id}/match-decisions"): "linkage",
    ("GET", "/api/clusters"): "clusters",
    ("GET", "/api/clusters/{cluster_id}"): "clusters",
    ("GET", "/api/clusters/{cluster_id}/chain"): "clusters",
    ("GET", "/api/cases/{case_id}/chain"): "clusters",
    ("GET", "/api/contracts/{contract_id}/statements/{month}/records"): "contracts",
    ("GET", "/api/tasks/mine"): "tracing",
    ("GET", "/api/tasks/{task_id}"): "tracing",
    ("GET", "/api/tasks/{task_id}/script"): "tracing",
    ("GET", "/api/queue"): "tracing",
    ("GET", "/api/checkin-batches/{batch_id}/rejections"): "places",
    ("GET", "/api/exports/cases"): "exports",
    ("GET", "/api/exports/cases-pseudonymised"): "exports",
    ("GET", "/api/exports/contacts"): "exports",
    ("GET", "/api/exports/contacts-pseudonymised"): "exports",
    ("GET", "/api/exports/kpis"): "exports",
    ("GET", "/api/exports/people"): "exports",
    ("GET", "/api/exports/tasks"): "exports",
}
API_WITHOUT_PERSONAL_DATA: dict[tuple[str, str], str] = {
    ("GET", "/api/ingest-batches"): "batch metadata and reconciliation counts",
    ("GET", "/api/ingest-batches/{batch_id}"): "one batch's metadata and counts",
    ("GET", "/api/contracts"): "contracts and their service levels",
    ("GET", "/api/contracts/{contract_id}"): "a contract's service levels",
    ("GET", "/api/contracts/{contract_id}/statements/{month}"): "a month's figures (aggregates)",
    ("GET", "/api/contracts/{contract_id}/statements/{month}/csv"): "the same statement as CSV",
    ("GET", "/api/contracts/{contract_id}/statements/{month}/pdf"): "the same statement as PDF",
    ("GET", "/api/checkin-batches"): "check-in import metadata and counts",
    ("GET", "/api/checkin-batches/{batch_id}"): "one check-in import's metadata and counts",
    ("GET", "/api/exports"): "the datasets one may export",
}
AUDIT_CALLS = ("audit_read(", "audit_export(", "record_event(", "record_events(")


def _web_views() -> dict[str, Callable[..., object]]:
    views: dict[str, Callable[..., object]] = {}

    def walk(patterns: list[URLPattern | URLResolver]) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns)
            elif pattern.name:
                views[pattern.name] = pattern.callback

    walk(get_resolver().url_patterns)
    return views


def _api_views() -> dict[tuple[str, str], Callable[..., object]]:
    views: dict[tuple[str, str], Callable[..., object]] = {}
    for prefix, router in api._routers:
        for path, operations in router.path_operations.items():
            for operation in operations.operations:
                for method in operation.methods:
                    views[(method, f"/api{prefix}{path}")] = operation.view_func
    return views


def _calls_the_audit(view: Callable[..., object]) -> bool:
    source = inspect.getsource(inspect.unwrap(view))
    return any(call in source for call in AUDIT_CALLS)


def test_every_web_route_is_classified() -> None:
    groups: list[set[str]] = [
        set(WEB_READS),
        set(WEB_READS_ELSEWHERE),
        set(WEB_WITHOUT_PERSONAL_DATA),
        set(WEB_WRITES),
    ]
    listed = set().union(*groups)
    assert sum(len(group) for group in groups) == len(listed), "a route is in two groups"
    assert named_web_routes() - listed == set(), "classify these routes in this file"
    assert listed - named_web_routes() == set(), "these entries name no route"


def test_every_api_read_is_classified() -> None:
    reads = {(route.method, route.path) for route in api_route_matrix() if route.method == "GET"}
    listed = set(API_READS) | set(API_READS_ELSEWHERE) | set(API_WITHOUT_PERSONAL_DATA)
    assert reads - listed == set(), "classify these API reads in this file"
    assert listed - reads == set(), "these entries name no API read"


@pytest.mark.parametrize("name", sorted(WEB_READS_ELSEWHERE))
def test_web_reads_elsewhere_call_the_audit(name: str) -> None:
    assert _calls_the_audit(_web_views()[name]), f"{name} shows personal data without audit_read"


@pytest.mark.parametrize("route", sorted(API_READS_ELSEWHERE), ids=" ".join)
def test_api_reads_elsewhere_call_the_audit(route: tuple[str, str]) -> None:
    assert _calls_the_audit(_api_views()[route]), (
        f"{route} returns personal data without audit_read"
    )


def test_the_walked_reads_call_the_audit_too() -> None:
    """The static check agrees with the walk, so it would catch a forgotten call."""
    views = _web_views()
    assert all(_calls_the_audit(views[name]) for name in WEB_READS)
    assert not _calls_the_audit(views["analyst-home"])


def _new_events(fetch: Callable[[], int]) -> list[AuditEvent]:
    before = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    assert fetch() == 200
    return list(AuditEvent.objects.filter(pk__gt=before))


def _values_of(world: World) -> list[str]:
    person = world.district(A).person
    return [person.first_name, person.last_name, person.nhs_number, person.phone, "Testperson"]


@pytest.mark.parametrize("name", sorted(WEB_READS))
def test_each_web_read_writes_an_event(
    things: Things, login: Callable[[str], Client], name: str
) -> None:
    persona, url = WEB_READS[name]
    user = things.world.users[persona]
    events = _new_events(lambda: login(persona).get(url(things)).status_code)
    reads = [e for e in events if e.action in READS]
    assert reads, f"{name}: no read event"
    for event in reads:
        assert (event.actor, event.actor_role, event.source) == (user, user.role, "web")
        assert event.client_ip == "127.0.0.1" and event.purpose and event.object_type
        text = f"{event.object_id} {event.object_ids} {event.purpose} {event.fields}"
        assert not [value for value in _values_of(things.world) if value and value in text]


def _listed_ids(body: object) -> list[int]:
    """The ids of the records an API list returned: a page's items, or a bare list."""
    items = body.get("items", []) if isinstance(body, dict) else body
    assert isinstance(items, list)
    return sorted(item["id"] for item in items)


@pytest.mark.parametrize("route", sorted(API_READS), ids=" ".join)
def test_each_api_read_writes_an_event(things: Things, route: tuple[str, str]) -> None:
    persona, url = API_READS[route]
    user = things.world.users[persona]
    _, key = issue_token(user, "audit walk", actor=None, source="tests")
    client = Client(headers={"Authorization": f"Bearer {key}"})
    responses: list[Any] = []

    def fetch() -> int:
        responses.append(client.get(url(things)))
        return 200

    events = _new_events(fetch)
    (response,) = responses
    assert response.status_code == 200
    reads = [e for e in events if e.action in READS]
    assert reads, f"{route}: no read event"
    for event in reads:
        assert (event.actor, event.source, event.outcome) == (user, "api", Outcome.DONE)
        text = f"{event.object_id} {event.object_ids} {event.purpose}"
        assert not [value for value in _values_of(things.world) if value and value in text]
    # A list or search names exactly the records it returned, like a web list.
    lists = [e for e in reads if e.action == Action.LIST]
    if route in API_LISTS:
        (event,) = lists
        assert event.object_type == API_LISTS[route]
        returned = _listed_ids(response.json())
        assert returned, f"{route}: the walk returned no rows, so it proves nothing"
        assert sorted(event.object_ids) == returned
    else:
        assert not lists, f"{route} records a list: add it to API_LISTS"


def test_api_lists_record_only_the_page_they_returned(things: Things) -> None:
    """Paging: the event names the rows of this page, not every row the query matched."""
    user = things.world.users["tracer_a"]
    _, key = issue_token(user, "audit walk", actor=None, source="tests")
    client = Client(headers={"Authorization": f"Bearer {key}"})
    every = _listed_ids(client.get("/api/people?limit=100").json())
    assert len(every) >= 2
    responses: list[Any] = []

    def fetch() -> int:
        responses.append(client.get("/api/people?limit=1&offset=1"))
        return 200

    events = _new_events(fetch)
    (event,) = events
    assert event.object_ids == _listed_ids(responses[0].json())
    assert len(event.object_ids) == 1 and event.object_ids[0] in every


def test_every_api_operation_goes_through_the_audit_wrapper() -> None:
    """The mechanism is installed once for the whole API, so a new list route is covered."""
    operations = [
        operation
        for router in api._get_bound_routers()
        for view in router.path_operations.values()
        for operation in view.operations
    ]
    assert operations
    for operation in operations:
        assert getattr(operation.view_func, "audited", False), (
            f"{operation.path} is not wrapped by audited_api_operation"
        )


def test_a_refused_read_writes_no_read_event(world: World, login: Callable[[str], Client]) -> None:
    """A 404 outside scope or a 403 shows nothing, so it records no read: only the refusal."""
    before = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    client = login("tracer_b")
    assert (
        client.get(reverse("person-detail", args=[world.district(A).person.pk])).status_code == 404
    )
    assert login("analyst").get(reverse("case-list")).status_code == 403
    events = AuditEvent.objects.filter(pk__gt=before)
    assert not events.filter(outcome=Outcome.DONE).exists()
    assert sorted(events.values_list("outcome", flat=True)) == [
        Outcome.NOT_FOUND,
        Outcome.REFUSED,
    ]


def test_a_search_names_the_records_it_showed_never_the_terms(
    world: World, login: Callable[[str], Client]
) -> None:
    """A search result page is a read of every person on it: their ids are listed."""
    a = world.district(A)
    events = _new_events(
        lambda: login("tracer_a").get(reverse("person-list") + "?q=Testperson").status_code
    )
    (event,) = events
    assert (event.action, event.object_type, event.purpose) == (
        "list",
        "people.person",
        "search people",
    )
    assert set(event.object_ids) == {a.person.pk, a.contact.person_id}
    assert "Testperson" not in f"{event.purpose} {event.object_ids}"


def test_the_admin_sites_personal_pages_are_audited(
    world: World, login: Callable[[str], Client]
) -> None:
    person = world.district(A).person
    client = login("supervisor_a")
    listed = _new_events(lambda: client.get("/admin/people/person/").status_code)
    assert [(e.action, e.object_type, e.purpose) for e in listed] == [
        ("list", "people.person", "admin site list")
    ]
    shown = _new_events(lambda: client.get(f"/admin/people/person/{person.pk}/change/").status_code)
    assert [(e.action, e.object_id) for e in shown] == [("view", str(person.pk))]
