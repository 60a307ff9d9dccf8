"""Households: a new case's known household members, proposed as its household contacts.

The register holds households as the people at one dwelling (``people.actions``,
``lib/addresses.py``). When a case is created, everyone else known at the case's
dwelling is proposed; the tracer confirms each (a household contact with its task)
or declines it. Addresses with many unrelated residents are shared residences
(settings), whose residents are not proposed.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from tracedesk.accounts.models import signed_in
from tracedesk.audit.actions import record_event, record_events
from tracedesk.audit.models import Action
from tracedesk.bulk import among, insert_rows
from tracedesk.cases.actions import Exposure, add_known_contact
from tracedesk.cases.models import Case, CaseStatus, Contact, ContactType, Proximity
from tracedesk.linkage.models import HouseholdProposal, ProposalStatus
from tracedesk.people.models import Household, Person


@transaction.atomic
def propose_household_contacts(case_ids: Iterable[int], *, actor: object, source: str) -> int:
    """Propose each case's known household members as its household contacts; return how many.

    A member is anyone else (not merged away) at the case's dwelling, unless the
    dwelling is a shared residence (a setting, not a household) or the member is
    already the case's contact. Idempotent: a member already proposed for the case
    is not proposed again, whatever was decided. Set-based: three statements and one
    audit event for any number of cases.
    """
    wanted = set(case_ids)
    if not wanted:
        return 0
    cases = {
        case: (household, person)
        for case, household, person in Case.objects.filter(
            among(Case, "id", wanted),
            person__household__isnull=False,
            person__household__shared_residence=None,
        ).values_list("pk", "person__household_id", "person_id")
    }
    if not cases:
        return 0
    members: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for household, person, place in (
        Person.objects.filter(
            among(Person, "household", {h for h, _ in cases.values()}), merged_into=None
        )
        .order_by("pk")
        .values_list("household_id", "pk", "jurisdiction_id")
    ):
        members[household].append((person, place))
    known = set(
        HouseholdProposal.objects.filter(among(HouseholdProposal, "case", cases)).values_list(
            "case_id", "person_id"
        )
    ) | set(
        Contact.objects.filter(among(Contact, "case", cases)).values_list("case_id", "person_id")
    )
    now = timezone.now()
    rows: list[tuple[object, ...]] = [
        (case, person, place, ProposalStatus.PROPOSED, now)
        for case, (household, own) in sorted(cases.items())
        for person, place in members[household]
        if person != own and (case, person) not in known
    ]
    ids = insert_rows(
        HouseholdProposal, ["case", "person", "jurisdiction", "status", "created_at"], rows
    )
    record_events(
        actor, Action.CREATE, HouseholdProposal, ids, purpose="household members", source=source
    )
    return len(ids)


#: A member the register learns of this long after a case's latest specimen is no longer
#: proposed to it: the case's household contacts have been traced by then.
LATE_MEMBER_DAYS = 14


@transaction.atomic
def propose_new_members(person_ids: Iterable[int], *, actor: object, source: str) -> int:
    """Propose people who have just joined a dwelling to its open cases; return how many.

    A household member the case did not name, and the register did not know when the
    case was created, often turns up later: named by another case, tested, or completed
    from a later record. They are proposed to every open case at their dwelling whose
    latest specimen is at most ``LATE_MEMBER_DAYS`` old (``propose_household_contacts``:
    never twice, never someone already the case's contact, never at a shared residence).
    """
    # Two lookups driven by the ids: joined in one statement, SQLite's planner starts from
    # every household without a shared residence: 70 ms a chunk with 14,000 households.
    dwellings = set(
        Person.objects.filter(among(Person, "id", set(person_ids)), household__isnull=False)
        .values_list("household_id", flat=True)
    )  # fmt: skip
    households = set(
        Household.objects.filter(among(Household, "id", dwellings), shared_residence=None)
        .values_list("pk", flat=True)
    )  # fmt: skip
    if not households:
        return 0
    since = timezone.now() - dt.timedelta(days=LATE_MEMBER_DAYS)
    cases = Case.objects.filter(
        among(Case, "person", set(
            Person.objects.filter(among(Person, "household", households), merged_into=None)
            .values_list("pk", flat=True)
        )),
        status=CaseStatus.OPEN, latest_specimen_at__gte=since,
    ).values_list("pk", flat=True)  # fmt: skip
    return propose_household_contacts(cases, actor=actor, source=source)


@transaction.atomic
def decide_household_proposal(
    proposal: HouseholdProposal,
    *,
    confirm: bool,
    last_exposure_date: dt.date | None = None,
    actor: object,
    source: str,
) -> HouseholdProposal:
    """Confirm a proposal (the member becomes the case's household contact, with a task)
    or decline it. A decided proposal cannot be decided again."""
    proposal = HouseholdProposal.objects.select_for_update().get(pk=proposal.pk)
    if proposal.status != ProposalStatus.PROPOSED:
        raise ValidationError(
            {"status": f"household proposal {proposal.pk}: already {proposal.status}"}
        )
    now = timezone.now()
    if confirm:
        person = proposal.person
        while person.merged_into_id is not None:  # merged since it was proposed
            person = Person.objects.get(pk=person.merged_into_id)
        exposure = Exposure(
            contact_type=ContactType.HOUSEHOLD,
            last_exposure_date=last_exposure_date or timezone.localdate(),
            proximity=Proximity.DIRECT,
        )
        proposal.contact, _ = add_known_contact(
            proposal.case, person, exposure, reported_at=now, actor=actor, source=source
        )
    proposal.status = ProposalStatus.CONFIRMED if confirm else ProposalStatus.DECLINED
    proposal.decided_at = now
    proposal.decided_by = signed_in(actor)
    proposal.save(update_fields=["status", "contact", "decided_at", "decided_by"])
    record_event(actor, Action.UPDATE, proposal, purpose="household members", source=source,
                 fields=["status"])  # fmt: skip
    return proposal
