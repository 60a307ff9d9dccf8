"""The review queue in the web UI: who sees it, deciding, and the keyboard."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse
from playwright.sync_api import Page, expect

from tracedesk.accounts.twofactor import current_code
from tracedesk.audit.models import AuditEvent
from tracedesk.home.tests.test_browser import browser, page  # noqa: F401  (fixtures)
from tracedesk.linkage.actions import decide_review
from tracedesk.linkage.models import MatchReview, ReviewStatus
from tracedesk.people.actions import find_or_create_person
from tracedesk.people.details import PersonDetails
from tracedesk.people.models import Person, PersonMerge
from tracedesk.testing.twofactor import enrolled_device
from tracedesk.testing.world import PASSWORD, PERSONAS, World

LINKAGE_ROUTES = {"review-list", "review-detail", "review-decide", "merge-list", "merge-undo"}
REVIEWERS = {"supervisor_a", "health_protection"}  # the right to review matches, Leeds in scope

ADA = PersonDetails(
    first_name="Adaeze", last_name="Okonkwo", date_of_birth=dt.date(1987, 3, 14), sex="female",
    phone="07700900123", address_line1="12 Mill Lane", postcode="LS6 2AB",
)  # fmt: skip


def _review(world: World, details: PersonDetails = ADA) -> MatchReview:
    """A known person and a probable twin of them: one open review, in Leeds."""
    for person in (details, dataclasses.replace(details, first_name="Adanna")):
        find_or_create_person(
            person, fallback_jurisdiction=world.leeds, actor=None, source="t", purpose="t"
        )
    return MatchReview.objects.get(
        person__first_name="Adanna", person__last_name=details.last_name,
        candidate__first_name="Adaeze",
    )  # fmt: skip


@pytest.mark.parametrize("persona", PERSONAS)
def test_access(world: World, login: Callable[[str], Client], persona: str) -> None:
    review = _review(world)
    client = login(persona)
    listing = client.get(reverse("review-list"))
    detail = client.get(reverse("review-detail", args=[review.pk]))
    if persona in REVIEWERS:
        assert listing.status_code == 200 and b"Adanna" in listing.content
        assert detail.status_code == 200
    else:
        assert (listing.status_code, detail.status_code) == (403, 403)
        decided = client.post(reverse("review-decide", args=[review.pk]), {"decision": "same"})
        assert decided.status_code == 403
        review.refresh_from_db()
        assert review.status == ReviewStatus.OPEN


def test_a_review_outside_scope_is_not_found(world: World, login: Callable[[str], Client]) -> None:
    camden = _review(world, dataclasses.replace(ADA, postcode="NW1 2BB", last_name="Mensah"))
    assert camden.jurisdiction == world.camden
    client = login("supervisor_a")
    assert client.get(reverse("review-detail", args=[camden.pk])).status_code == 404
    assert b"Mensah" not in client.get(reverse("review-list")).content
    response = client.post(reverse("review-decide", args=[camden.pk]), {"decision": "same"})
    assert response.status_code == 404


def test_anonymous_and_wrong_method(world: World, client: Client) -> None:
    review = _review(world)
    for name in ("review-list", "review-detail"):
        args = [review.pk] if name == "review-detail" else []
        assert client.get(reverse(name, args=args)).status_code == 302
    assert client.post(reverse("review-decide", args=[review.pk])).status_code == 302
    assert client.get(reverse("review-decide", args=[review.pk])).status_code in (302, 405)


def test_the_detail_explains_every_field(world: World, login: Callable[[str], Client]) -> None:
    review = _review(world)
    html = login("supervisor_a").get(reverse("review-detail", args=[review.pk])).content.decode()
    for field in review.explanation["fields"]:
        assert f'<th scope="row">{field["field"]}</th>' in html
    assert "Same person (s)" in html and "Different people (d)" in html


def test_same_person_merges_into_the_known_person(
    world: World, login: Callable[[str], Client]
) -> None:
    review = _review(world)
    client = login("supervisor_a")
    response = client.post(reverse("review-decide", args=[review.pk]), {"decision": "same"})
    assert response.status_code == 302
    review.refresh_from_db()
    assert review.status == ReviewStatus.SAME and review.decided_by == world.users["supervisor_a"]
    assert Person.objects.get(pk=review.person_id).merged_into_id == review.candidate_id
    # decided once: a second decision changes nothing
    again = client.post(reverse("review-decide", args=[review.pk]), {"decision": "different"})
    assert again.status_code == 302
    review.refresh_from_db()
    assert review.status == ReviewStatus.SAME


def test_different_people_stay_apart_and_a_bad_decision_is_refused(
    world: World, login: Callable[[str], Client]
) -> None:
    review = _review(world)
    client = login("health_protection")
    client.post(reverse("review-decide", args=[review.pk]), {"decision": "maybe"})
    review.refresh_from_db()
    assert review.status == ReviewStatus.OPEN
    client.post(reverse("review-decide", args=[review.pk]), {"decision": "different"})
    review.refresh_from_db()
    assert review.status == ReviewStatus.DIFFERENT
    assert Person.objects.get(pk=review.person_id).merged_into_id is None


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_reviewer_decides_with_the_keyboard(
    world: World,
    live_server: object,
    page: Page,  # noqa: F811
) -> None:
    first = _review(world)
    other = dataclasses.replace(
        ADA, last_name="Mensah", phone="07700900999", date_of_birth=dt.date(1990, 6, 1),
        address_line1="40 Hill Road", postcode="LS7 3CD",
    )  # fmt: skip
    second = _review(world, other)
    base = str(live_server)
    page.goto(f"{base}/accounts/login/")
    device = enrolled_device(world.users["supervisor_a"])  # supervisors give a TOTP code
    page.get_by_label("Username").fill("supervisor_a")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_label("Code").fill(current_code(device))
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("link", name="Match reviews").click()
    page.get_by_role("link", name=f"Review {min(first.pk, second.pk)}").click()
    expect(page.get_by_role("table", name="Field by field")).to_contain_text("first_name")
    opened = int(page.url.rstrip("/").split("/")[-1])
    page.wait_for_load_state("load")  # the shortcuts script is deferred
    page.keyboard.press("d")  # different people; the next review opens
    expect(page.get_by_role("heading", level=1)).not_to_have_text(f"Match review {opened}")
    page.wait_for_load_state("load")
    following = int(page.url.rstrip("/").split("/")[-1])
    page.keyboard.press("s")  # same person; then the next open review, or the list
    expect(page.get_by_role("heading", level=1)).not_to_have_text(f"Match review {following}")
    statuses = dict(MatchReview.objects.values_list("pk", "status"))
    assert statuses[opened] == ReviewStatus.DIFFERENT
    assert statuses[following] == ReviewStatus.SAME
    assert Person.objects.filter(merged_into__isnull=False).count() == 1


def test_a_merge_made_by_a_review_can_be_undone_from_it(
    world: World, login: Callable[[str], Client]
) -> None:
    review = _review(world)
    reviewer = login("supervisor_a")
    reviewer.post(reverse("review-decide", args=[review.pk]), {"decision": "same"})
    html = reviewer.get(reverse("review-detail", args=[review.pk])).content.decode()
    merge = PersonMerge.objects.get(duplicate_id=review.person_id)
    assert reverse("merge-undo", args=[merge.pk]) in html
    # someone without the right, or outside scope, cannot undo it
    assert login("tracer_a").post(reverse("merge-undo", args=[merge.pk])).status_code == 403
    response = reviewer.post(reverse("merge-undo", args=[merge.pk]))
    assert response.status_code == 302
    merge.refresh_from_db()
    assert merge.undone_at is not None
    assert Person.objects.get(pk=review.person_id).merged_into_id is None
    # undoing twice is refused with a message, and changes nothing
    follow = reviewer.post(reverse("merge-undo", args=[merge.pk]), follow=True)
    assert "already undone" in follow.content.decode()


def test_the_merge_list_shows_each_merge_and_undoes_it(
    world: World, login: Callable[[str], Client]
) -> None:
    review = _review(world)
    camden = _review(world, dataclasses.replace(
        ADA, postcode="NW1 2BB", last_name="Mensah", phone="07700900456",
        date_of_birth=dt.date(1990, 5, 1), address_line1="3 Park Road",
    ))  # fmt: skip
    reviewer = login("supervisor_a")
    reviewer.post(reverse("review-decide", args=[review.pk]), {"decision": "same"})
    decide_review(camden, same=True, actor=world.users["health_protection"], source="t")
    merge = PersonMerge.objects.get(duplicate_id=review.person_id)
    html = reviewer.get(reverse("merge-list")).content.decode()
    assert "Adanna Okonkwo" in html and "Adaeze Okonkwo" in html
    assert "supervisor_a" in html and "Stands" in html
    assert reverse("merge-undo", args=[merge.pk]) in html
    assert "Mensah" not in html  # a Camden merge: outside the Leeds supervisor's scope
    event = AuditEvent.objects.filter(object_type="people.personmerge").latest("pk")
    assert event.object_ids == [merge.pk]
    assert login("tracer_a").get(reverse("merge-list")).status_code == 403
    undone = reviewer.post(reverse("merge-undo", args=[merge.pk]), {"back": "merges"})
    assert undone.status_code == 302 and undone["Location"] == reverse("merge-list")
    merge.refresh_from_db()
    assert merge.undone_at is not None
    assert Person.objects.get(pk=review.person_id).merged_into_id is None
    standing = reviewer.get(reverse("merge-list") + "?status=standing").content.decode()
    undone_page = reviewer.get(reverse("merge-list") + "?status=undone").content.decode()
    assert "Adanna Okonkwo" not in standing and "No merges." in standing
    assert "Adanna Okonkwo" in undone_page and "Undone" in undone_page
