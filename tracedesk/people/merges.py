"""Merging a duplicate person into a surviving one, and undoing a merge exactly.

A bug here would attach one human being's health records to another, or lose
them, and could not be noticed afterwards; so the rules are spelled out:

- Every row with a foreign key to the duplicate (test results, cases, contacts,
  attendances, and any model added later: relations are discovered from
  ``Person``'s metadata, not listed) is written to ``MergedLink`` and then
  repointed at the survivor. Tracing tasks, call attempts and follow-ups hang off
  cases and contacts, so they follow them without being touched.
- Relations that describe a person *record* rather than the human's history are
  not moved (``NOT_MOVED``): the chain of merges itself, and the matcher's
  blocking keys and reviews, which were computed from that record's details.
- The duplicate is kept, never deleted, and marked with ``merged_into``. Its own
  details, address and household membership are unchanged, and so are the
  survivor's: those are the record's own fields, not links, and a household
  still has the members it had (the duplicate's membership stays with the
  duplicate; undoing a merge has nothing to restore there).
- A row that cannot move without breaking an invariant stays with the duplicate
  and is listed with ``moved=False`` and the conflict, for a person to review:
  a contact of one of the survivor's own cases (``own_contact``); a contact of a
  case the survivor is already a contact of (``contact_twice``, the
  ``contact_once_per_case`` constraint); a case of the duplicate's that the
  survivor is a contact of (``own_contact``); and any row that refers to such a
  kept case, so that a case's results and attendances stay with the case's
  person (``case_kept``). Nothing is deleted or combined: two overlapping
  episodes of the survivor remain two cases.
- ``unmerge`` moves back exactly the rows listed as moved. It is refused when the
  merge was already undone; when the survivor has since been merged into someone
  else (that later merge must be undone first); and when a listed row no longer
  points at the survivor, or moving it back would break an invariant (a row
  written after the merge): then nothing changes and the error names the row.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import ForeignObjectRel
from django.utils import timezone

from tracedesk.audit.actions import record_event, record_events
from tracedesk.audit.models import Action
from tracedesk.bulk import among
from tracedesk.cases.models import Case, Contact
from tracedesk.people.models import LinkConflict, MergedLink, Person, PersonMerge

# Foreign keys to Person that a merge leaves alone (``app_label.model.field``), and why.
NOT_MOVED: dict[str, str] = {
    "people.person.merged_into": "the chain of merges: undone one merge at a time",
    "people.personmerge.survivor": "the merge's own record",
    "people.personmerge.duplicate": "the merge's own record",
    "linkage.blockingkey.person": "computed from this record's own details",
    "linkage.matchreview.person": "a review compares two records as they were",
    "linkage.matchreview.candidate": "a review compares two records as they were",
    "linkage.matchdecision.person": "how that record was matched, as it was",
    "linkage.matchdecision.chosen": "how that record was matched, as it was",
    "messaging.message.person": "a message went to that record's own address, as it was",
    "selfservice.accesslink.person": "a single-use link issued to that record; it expires",
    "clusters.casewindow.person": "derived from the case by cluster detection, which recomputes it",
    "linkage.householdproposal.person": (
        "names the record found at the dwelling; confirming a merged record's proposal "
        "makes the person it was merged into the contact"
    ),
}


@dataclass(frozen=True)
class Link:
    """One foreign key to Person that a merge moves."""

    model: type[models.Model]
    field: str

    @property
    def label(self) -> str:
        return f"{self.model._meta.label_lower}.{self.field}"

    @property
    def model_label(self) -> str:
        return self.model._meta.label_lower

    def rows(self) -> models.QuerySet[Any]:
        return self.model._base_manager.all()


def relations_to_person() -> list[tuple[str, ForeignObjectRel]]:
    """Every relation from any model to Person (``app_label.model.field``, the field)."""
    found: list[tuple[str, ForeignObjectRel]] = []
    for rel in Person._meta.get_fields(include_hidden=True):
        if isinstance(rel, ForeignObjectRel) and rel.related_model is not None:
            found.append((f"{rel.related_model._meta.label_lower}.{rel.field.name}", rel))
    return sorted(found, key=lambda item: item[0])


def moved_links() -> list[Link]:
    """The foreign keys to Person that a merge moves: all but ``NOT_MOVED``.

    Cases come first: which cases stay decides which of their rows stay.
    """
    links = [
        Link(rel.related_model, rel.field.name)
        for label, rel in relations_to_person()
        if label not in NOT_MOVED and rel.field.many_to_one and rel.field.concrete
    ]
    return sorted(links, key=lambda link: (link.model is not Case, link.label))


def _conflicts(link: Link, ids: list[int], person: Person) -> dict[int, str]:
    """Rows of ``link`` (among ``ids``) that cannot point at ``person``, and why."""
    if not ids:
        return {}
    found: dict[int, str] = {}
    rows = link.rows().filter(among(link.model, "id", ids))
    if link.model is Contact:
        twice = rows.filter(case__contacts__person=person).values_list("pk", flat=True)
        found.update(dict.fromkeys(twice, LinkConflict.CONTACT_TWICE))
        own = rows.filter(case__person=person).values_list("pk", flat=True)
        found.update(dict.fromkeys(own, LinkConflict.OWN_CONTACT))
    if link.model is Case:
        own = rows.filter(contacts__person=person).values_list("pk", flat=True)
        found.update(dict.fromkeys(own, LinkConflict.OWN_CONTACT))
    return found


def _with_kept_case(link: Link, ids: list[int], kept_cases: set[int]) -> set[int]:
    """Rows of ``link`` (among ``ids``) that refer to a case staying with the duplicate."""
    if not (ids and kept_cases):
        return set()
    found: set[int] = set()
    for field in link.model._meta.concrete_fields:
        if field.is_relation and field.related_model is Case:
            rows = link.rows().filter(among(link.model, "id", ids))
            found.update(
                rows.filter(**{f"{field.name}__in": kept_cases}).values_list("pk", flat=True)
            )
    return found


def _move(link: Link, ids: list[int], source: Person, target: Person) -> None:
    """Repoint exactly ``ids`` from ``source`` to ``target``; fail if any has changed."""
    if not ids:
        return
    moved = (
        link.rows()
        .filter(among(link.model, "id", ids))
        .filter(**{link.field: source})
        .update(**{link.field: target})
    )
    if moved != len(ids):
        raise ValidationError(
            {"merge": f"{link.label}: {len(ids) - moved} row(s) no longer refer to person "
             f"{source.pk}; nothing was changed"}
        )  # fmt: skip


def _locked(*people: Person) -> dict[int, Person]:
    """The current rows of ``people``, locked until the end of the transaction."""
    pks = sorted({p.pk for p in people})
    return {p.pk: p for p in Person.objects.select_for_update().filter(pk__in=pks).order_by("pk")}


def _active_merge_of(person: Person) -> PersonMerge | None:
    return (
        PersonMerge.objects.filter(duplicate=person, undone_at__isnull=True)
        .order_by("-merged_at", "-pk")
        .first()
    )


def _check_mergeable(survivor: Person, duplicate: Person) -> None:
    if survivor.pk == duplicate.pk:
        raise ValidationError({"duplicate": f"person {duplicate.pk} cannot be merged into itself"})
    if duplicate.merged_into_id is not None:
        raise ValidationError(
            {"duplicate": f"person {duplicate.pk} is already merged into person "
             f"{duplicate.merged_into_id}"}
        )  # fmt: skip
    if survivor.merged_into_id is not None:
        raise ValidationError(
            {"survivor": f"person {survivor.pk} is itself merged into person "
             f"{survivor.merged_into_id}: merge into that person instead"}
        )  # fmt: skip


def _user(actor: object) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


@transaction.atomic
def merge_people(
    survivor: Person,
    duplicate: Person,
    *,
    reason: str,
    evidence: dict[str, Any],
    actor: object,
    source: str,
) -> PersonMerge:
    """Merge ``duplicate`` into ``survivor``: move every linked row, keep and mark the duplicate.

    See the module docstring for what moves, what stays and why.
    """
    current = _locked(survivor, duplicate)
    if survivor.pk not in current or duplicate.pk not in current:
        raise ValidationError({"duplicate": "both people must exist"})
    _check_mergeable(current[survivor.pk], current[duplicate.pk])
    if not reason.strip():
        raise ValidationError({"reason": "Say why these records are the same person."})
    merge = PersonMerge.objects.create(
        survivor=survivor,
        duplicate=duplicate,
        reason=reason,
        evidence=evidence,
        merged_by=_user(actor),
    )
    links: list[MergedLink] = []
    plan: list[tuple[Link, list[int]]] = []
    kept_cases: set[int] = set()
    for link in moved_links():
        ids = sorted(link.rows().filter(**{link.field: duplicate}).values_list("pk", flat=True))
        kept = _conflicts(link, ids, survivor)
        kept.update(dict.fromkeys(_with_kept_case(link, ids, kept_cases), LinkConflict.CASE_KEPT))
        if link.model is Case:
            kept_cases.update(kept)
        moving = [pk for pk in ids if pk not in kept]
        plan.append((link, moving))
        links.extend(
            MergedLink(
                merge=merge,
                model=link.model_label,
                object_id=pk,
                field=link.field,
                moved=pk not in kept,
                conflict=kept.get(pk, LinkConflict.NONE),
            )
            for pk in ids
        )
    MergedLink.objects.bulk_create(links)
    for link, moving in plan:
        _move(link, moving, duplicate, survivor)
        record_events(actor, Action.UPDATE, link.model, moving, purpose="person merged",
                      source=source)  # fmt: skip
    Person.objects.filter(pk=duplicate.pk).update(merged_into=survivor, updated_at=timezone.now())
    duplicate.merged_into = survivor
    record_event(actor, Action.CREATE, merge, purpose="people merged", source=source,
                 fields=["survivor", "duplicate", "reason", "evidence"])  # fmt: skip
    record_event(actor, Action.UPDATE, duplicate, purpose="merged into another person",
                 source=source, fields=["merged_into"])  # fmt: skip
    return merge


@transaction.atomic
def unmerge(merge: PersonMerge, *, actor: object, source: str) -> PersonMerge:
    """Undo ``merge``: move back exactly the rows it moved and unmark the duplicate."""
    merge = PersonMerge.objects.select_for_update().get(pk=merge.pk)
    current = _locked(merge.survivor, merge.duplicate)
    survivor, duplicate = current[merge.survivor_id], current[merge.duplicate_id]
    if merge.undone_at is not None:
        raise ValidationError({"merge": f"merge {merge.pk} was already undone"})
    if survivor.merged_into_id is not None:
        later = _active_merge_of(survivor)
        raise ValidationError(
            {"merge": f"person {survivor.pk} has since been merged into person "
             f"{survivor.merged_into_id} by merge {later.pk if later else '?'}: "
             f"undo merge {later.pk if later else '?'} first"}
        )  # fmt: skip
    if duplicate.merged_into_id != survivor.pk:
        raise ValidationError(
            {"merge": f"person {duplicate.pk} is no longer marked as merged into {survivor.pk}"}
        )
    moved: dict[tuple[str, str], list[int]] = defaultdict(list)
    for model_label, field, pk in merge.links.filter(moved=True).values_list(
        "model", "field", "object_id"
    ):
        moved[(model_label, field)].append(pk)
    by_label = {link.label: link for link in moved_links()}
    plan: list[tuple[Link, list[int]]] = []
    for (model_label, field), ids in sorted(moved.items()):
        link = by_label.get(f"{model_label}.{field}")
        if link is None:
            raise ValidationError({"merge": f"{model_label}.{field} no longer refers to people"})
        _check_back(link, sorted(ids), survivor, duplicate)
        plan.append((link, sorted(ids)))
    for link, ids in plan:
        _move(link, ids, survivor, duplicate)
        record_events(actor, Action.UPDATE, link.model, ids, purpose="person merge undone",
                      source=source)  # fmt: skip
    Person.objects.filter(pk=duplicate.pk).update(merged_into=None, updated_at=timezone.now())
    merge.undone_at = timezone.now()
    merge.undone_by = _user(actor)
    merge.save(update_fields=["undone_at", "undone_by"])
    record_event(actor, Action.UPDATE, merge, purpose="person merge undone", source=source,
                 fields=["undone_at", "undone_by"])  # fmt: skip
    record_event(actor, Action.UPDATE, duplicate, purpose="person merge undone", source=source,
                 fields=["merged_into"])  # fmt: skip
    return merge


def _check_back(link: Link, ids: list[int], survivor: Person, duplicate: Person) -> None:
    """Refuse, naming the row, when a moved row cannot go back to the duplicate."""
    still = set(
        link.rows()
        .filter(among(link.model, "id", ids))
        .filter(**{link.field: survivor})
        .values_list("pk", flat=True)
    )
    changed = _first(pk for pk in ids if pk not in still)
    if changed is not None:
        raise ValidationError(
            {"merge": f"{link.model_label} {changed} no longer refers to person {survivor.pk}"}
        )
    blocked = _conflicts(link, ids, duplicate)
    if blocked:
        pk = min(blocked)
        raise ValidationError(
            {"merge": f"{link.model_label} {pk} cannot go back to person {duplicate.pk}: "
             f"{LinkConflict(blocked[pk]).label.lower()}"}
        )  # fmt: skip


def _first(values: Iterable[int]) -> int | None:
    return next(iter(values), None)
