"""Probable matches for people that no certain key matched, and the review queue.

Deterministic matching (NHS number, exact name and date of birth) runs first, in
``people.matching``. For the rest, each record is scored (``tracedesk.lib.matching``,
Fellegi-Sunter) against the people sharing one of its stored blocking keys. Set-based:
a few statements for any number of records.
"""

from __future__ import annotations

import csv
import functools
import io
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Count, F, QuerySet, Window
from django.utils import timezone

from tracedesk.accounts.models import signed_in
from tracedesk.audit.actions import record_event, record_events
from tracedesk.audit.models import Action
from tracedesk.bulk import among, insert_rows
from tracedesk.lib.dedupe.io import read_people_rows
from tracedesk.lib.dedupe.parameters import export_parameters
from tracedesk.lib.dedupe.splink_model import dedupe
from tracedesk.lib.matching import (
    DEFAULT_PARAMETERS,
    Explanation,
    Parameters,
    PersonRecord,
    blocking_keys,
    decide,
    match,
    prepare,
    score,
)
from tracedesk.lib.matching.normalise import normalise_postcode, postcode_district
from tracedesk.lib.matching.records import Prepared
from tracedesk.lib.matching.scorer import TF_FIELDS, TermFrequencies
from tracedesk.linkage.models import (
    BlockingKey,
    MatchDecision,
    MatchReview,
    ReviewStatus,
    TermFrequency,
)
from tracedesk.people.details import PersonDetails
from tracedesk.people.matching import PersonRef
from tracedesk.people.merges import merge_people
from tracedesk.people.models import Person

#: Below this many people, frequencies say more about the sample than the population:
#: term-frequency adjustment starts once the register is this large.
MIN_POPULATION = 1000
EVERYONE = "*"
UPSERT_ROWS = 5000  # 15,000 parameters: within SQLite's and PostgreSQL's limits

#: A key shared by more people than this narrows nothing (a common surname in one
#: birth year, a phone of a care home): it is not used to find candidates.
MAX_BLOCK = 50


@dataclass(frozen=True)
class Proposal:
    """What the scorer says of one record: link to ``person``, review, or new."""

    outcome: str
    person: PersonRef | None = None
    explanation: Explanation | None = None
    candidates: tuple[tuple[int, Explanation], ...] = ()
    """The strongest candidates (person id, explanation), best first, at most three."""
    near: str = ""
    """The postcode district the record was met in when it had no postcode of its own
    (the naming case's), which let it find people by full name there."""


NEW = Proposal("new")


@functools.lru_cache(maxsize=4)
def _load(path: str) -> Parameters:
    return Parameters.load(path) if path else DEFAULT_PARAMETERS


def parameters() -> Parameters:
    """The match parameters: ``TRACEDESK_MATCH_PARAMETERS`` (a file written by
    ``tracedesk people dedupe --parameters-out``), else the built-in starting values."""
    return _load(settings.MATCH_PARAMETERS)


def record_of(details: PersonDetails) -> PersonRecord:
    return PersonRecord(
        first_name=details.first_name, last_name=details.last_name, dob=details.date_of_birth,
        sex=details.sex, phone=details.phone, email=details.email,
        address_line1=details.address_line1, postcode=details.postcode,
        nhs_number=details.nhs_number,
    )  # fmt: skip


CANDIDATE_FIELDS = (
    *("pk", "first_name", "last_name", "date_of_birth", "sex", "phone", "email"),
    *("address__line1", "address__postcode", "nhs_number", "jurisdiction_id"),
    "preferred_language",
)


def _stored_people(people: QuerySet[Person]) -> dict[int, tuple[PersonRecord, PersonRef]]:
    """The scorer's record and the reference of each of ``people`` not merged into another
    (a merged person is kept only so that the merge can be undone)."""
    found = {}
    for (
        pk,
        first,
        last,
        dob,
        sex,
        phone,
        email,
        line1,
        postcode,
        nhs,
        place,
        language,
    ) in people.filter(merged_into__isnull=True).values_list(*CANDIDATE_FIELDS):
        record = PersonRecord(
            first_name=first, last_name=last, dob=dob, sex=sex, phone=phone, email=email,
            address_line1=line1 or "", postcode=postcode or "", nhs_number=nhs,
        )  # fmt: skip
        found[pk] = (record, PersonRef(pk, place, language))
    return found


def near_districts(many: Sequence[PersonDetails], near: Sequence[str] | None) -> list[str]:
    """The postcode district of each record: its own (a postcode cut to its outward code
    counts), else where it was met (``near``: a postcode or a district per record, the
    naming case's), else ``''``. Only the ``nd`` blocking key uses it."""
    return [
        _district(details.postcode) or _district(place)
        for details, place in zip(many, near or [""] * len(many), strict=True)
    ]


def _district(postcode: str) -> str:
    text = normalise_postcode(postcode)
    return postcode_district(text) or text.split(" ")[0]


def probable_matches(
    many: Sequence[PersonDetails], near: Sequence[str] | None = None
) -> list[Proposal]:
    """Score each record against the people sharing one of its blocking keys.

    ``near`` (one per record) is where a record without a postcode was met: the postcode
    of the case who named a contact. It only lets the record find people of the same
    full name in that postcode district (``blocking.NAME_IN_DISTRICT``)."""
    prepared = [prepare(record_of(d)) for d in many]
    districts = near_districts(many, near)
    keys = [blocking_keys(p, d) for p, d in zip(prepared, districts, strict=True)]
    wanted = set().union(*keys)
    if not wanted:
        return [NEW] * len(many)
    # One round trip: the holders of each wanted key, except keys held by more than
    # MAX_BLOCK people (too common to say anything; counted in the same statement).
    holders: dict[str, set[int]] = defaultdict(set)
    for key, person in (
        BlockingKey.objects.filter(among(BlockingKey, "key", wanted))
        .annotate(holders=Window(Count("id"), partition_by=[F("key")]))
        .filter(holders__lte=MAX_BLOCK)
        .values_list("key", "person_id")
    ):
        holders[key].add(person)
    ids = set().union(*holders.values()) if holders else set()
    if not ids:  # nobody shares a key: no people or term frequencies to read
        return [NEW] * len(many)
    stored = _stored_people(Person.objects.filter(among(Person, "id", ids)))
    candidates = {pk: (prepare(record), ref) for pk, (record, ref) in stored.items()}
    proposals = []
    params = parameters()
    tf = term_frequencies_of(prepared)
    for query, its_keys, district in zip(prepared, keys, districts, strict=True):
        found = sorted(set().union(*(holders.get(k, set()) for k in its_keys)) & candidates.keys())
        if not found:
            proposals.append(NEW)
            continue
        ranked = match(query, [candidates[pk][0] for pk in found], params, tf)
        decision = decide(ranked)
        best = decision.best
        top = tuple((found[e.index], e) for e in ranked[:3])
        if best is None or decision.outcome == "new":
            proposals.append(Proposal("new", None, best, top, district))
        else:
            ref = candidates[found[best.index]][1]
            proposals.append(Proposal(decision.outcome, ref, best, top, district))
    return proposals


def record_decisions(
    decided: Sequence[tuple[int, Proposal]], *, actor: object, source: str
) -> None:
    """Keep the scorer's explanation of each (resulting person, proposal) that had candidates:
    linked, queued for review or created new, a person can see why."""
    now = timezone.now()
    rows = [
        (person, proposal.outcome, len(proposal.candidates),
         proposal.person.pk if proposal.person else None, proposal.explanation.total,
         {"candidates": [{"person_id": pk, **e.to_dict()} for pk, e in proposal.candidates],
          **({"near": proposal.near} if proposal.near else {})},
         source, now)
        for person, proposal in decided
        if proposal.explanation is not None
    ]  # fmt: skip
    ids = insert_rows(
        MatchDecision,
        ["person", "outcome", "candidates", "chosen", "total", "explanation", "source",
         "created_at"],
        rows,
    )  # fmt: skip
    record_events(actor, Action.CREATE, MatchDecision, ids, purpose="match decision", source=source)


def term_frequencies_of(records: Sequence[Prepared]) -> TermFrequencies | None:
    """How common each value of ``records`` is among stored people (None while the
    register is smaller than ``MIN_POPULATION``)."""
    wanted = {(name, r.value(name)) for r in records for name in TF_FIELDS if r.value(name)}
    rows = TermFrequency.objects.filter(  # both columns, so the (field, value) index serves
        among(TermFrequency, "field", {name for name, _ in wanted} | {EVERYONE}),
        among(TermFrequency, "value", {value for _, value in wanted} | {""}),
    ).values_list("field", "value", "people")
    counts = {(name, value): people for name, value, people in rows}
    everyone = counts.get((EVERYONE, ""), 0)
    if everyone < MIN_POPULATION:
        return None
    table: dict[str, dict[str, float]] = defaultdict(dict)
    for (name, value), people in counts.items():
        if (name, value) in wanted:
            table[name][value] = people / everyone
    return table


def _count_values(people: Sequence[Prepared]) -> None:
    """Add new people's values to the term frequencies (one upsert statement a batch)."""
    counts: Counter[tuple[str, str]] = Counter()
    for record in people:
        counts.update((name, record.value(name)[:255]) for name in TF_FIELDS if record.value(name))
    counts[(EVERYONE, "")] += len(people)
    table = connection.ops.quote_name(TermFrequency._meta.db_table)
    rows = sorted(counts.items())
    with connection.cursor() as cursor:
        for start in range(0, len(rows), UPSERT_ROWS):  # one statement per batch of rows
            batch = rows[start : start + UPSERT_ROWS]
            values = ", ".join(["(%s, %s, %s)"] * len(batch))
            cursor.execute(
                f"INSERT INTO {table} (field, value, people) VALUES {values}"  # noqa: S608
                f" ON CONFLICT (field, value) DO UPDATE SET people = {table}.people"
                " + excluded.people",
                [item for (name, value), n in batch for item in (name, value, n)],
            )


def index_people(
    people: Sequence[tuple[int, PersonDetails]],
    *,
    actor: object,
    source: str,
    near: Sequence[str] | None = None,
) -> None:
    """Store the blocking keys of new people and count their values (inside the caller's
    transaction). ``near``: where each was met, as for ``probable_matches``."""
    districts = near_districts([details for _, details in people], near)
    prepared = [(pk, prepare(record_of(details))) for pk, details in people]
    if prepared:
        _count_values([record for _, record in prepared])
    rows = [
        (pk, key)
        for (pk, record), district in zip(prepared, districts, strict=True)
        for key in sorted(blocking_keys(record, district))
    ]
    ids = insert_rows(BlockingKey, ["person", "key"], rows)
    record_events(actor, Action.CREATE, BlockingKey, ids, purpose="matching keys", source=source)


def reindex_people(ids: Sequence[int], *, actor: object, source: str) -> None:
    """Store the blocking keys that people gained since they were indexed (details
    completed from a match); keys they already hold are kept."""
    if not ids:
        return
    stored = _stored_people(Person.objects.filter(among(Person, "id", set(ids))))
    have = set(
        BlockingKey.objects.filter(among(BlockingKey, "person", set(ids))).values_list(
            "person_id", "key"
        )
    )
    rows = sorted(
        (pk, key)
        for pk, (record, _) in stored.items()
        for key in blocking_keys(record)
        if (pk, key) not in have
    )
    created = insert_rows(BlockingKey, ["person", "key"], rows)
    record_events(actor, Action.CREATE, BlockingKey, created, purpose="matching keys",
                  source=source)  # fmt: skip


def queue_reviews(
    reviews: Sequence[tuple[PersonRef, Proposal]], *, actor: object, source: str
) -> None:
    """Queue each (new person, proposal) whose score calls for a person to decide."""
    rows = [
        (person.pk, proposal.person.pk, person.jurisdiction_id, proposal.explanation.total,
         proposal.explanation.to_dict(), source)
        for person, proposal in reviews
        if proposal.person is not None and proposal.explanation is not None
    ]  # fmt: skip
    ids = insert_rows(
        MatchReview, ["person", "candidate", "jurisdiction", "total", "explanation", "source"], rows
    )
    record_events(actor, Action.CREATE, MatchReview, ids, purpose="probable match", source=source)


@transaction.atomic
def decide_review(review: MatchReview, *, same: bool, actor: object, source: str) -> MatchReview:
    """Record a reviewer's decision. The same person: the new record is merged into the
    candidate (every linked record moves; ``people.merges.unmerge`` undoes it). Different
    people: both stay. A review is decided once; ValidationError names the field."""
    review = MatchReview.objects.select_for_update().get(pk=review.pk)
    if review.status != ReviewStatus.OPEN:
        raise ValidationError({"status": f"review {review.pk} is already decided"})
    if same:
        merge_people(
            review.candidate, review.person, reason=f"match review {review.pk}",
            evidence=review.explanation, actor=actor, source=source,
        )  # fmt: skip
    review.status = ReviewStatus.SAME if same else ReviewStatus.DIFFERENT
    review.decided_at = timezone.now()
    review.decided_by = signed_in(actor)
    review.save(update_fields=["status", "decided_at", "decided_by"])
    record_event(
        actor, Action.UPDATE, review, purpose="match review decided", source=source,
        fields=["status"],
    )  # fmt: skip
    return review


@dataclass(frozen=True)
class DatabaseDedupe:
    """What ``tracedesk people dedupe --db`` found and queued."""

    people: int
    clusters: int
    people_in_clusters: int
    queued: int
    already_queued: int
    held_back: int = 0  # clustered by the batch model, but "new" to the online scorer


DEDUPE_COLUMNS = (
    *("record_id", "first_name", "last_name", "dob", "sex", "phone", "email", "address_line1"),
    *("postcode", "national_id"),
)


def dedupe_database(
    *, threshold: float = 0.9, seed: int = 1, actor: object, source: str
) -> DatabaseDedupe:
    """Run the batch deduplication (Splink) over every person not merged, and queue a
    review for each member of a cluster against its oldest member, explained by the
    online scorer with the parameters just trained. A pair the scorer calls "new" (its
    household rules: another member of the family) is held back, not queued; pairs
    already reviewed (or queued) are not queued again, so running it twice changes
    nothing."""
    people = _stored_people(Person.objects.all())
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(DEDUPE_COLUMNS)
    for pk, (r, _) in people.items():
        writer.writerow(
            [pk, r.first_name, r.last_name, r.dob.isoformat() if r.dob else "", r.sex, r.phone,
             r.email, r.address_line1, r.postcode, r.nhs_number]
        )  # fmt: skip
    if len(people) < 2:
        return DatabaseDedupe(len(people), len(people), 0, 0, 0)
    buffer.seek(0)
    result = dedupe(read_people_rows(buffer, id_column="record_id").records,
                    threshold=threshold, seed=seed)  # fmt: skip
    params = Parameters.from_dict(export_parameters(result))
    members: dict[str, list[int]] = defaultdict(list)
    for record_id, cluster in result.clusters:
        members[cluster].append(int(record_id))
    known = set(MatchReview.objects.values_list("person_id", "candidate_id"))
    queue: list[tuple[PersonRef, Proposal]] = []
    already = held_back = 0
    for group in (sorted(m) for m in members.values() if len(m) > 1):
        oldest = group[0]
        for pk in group[1:]:
            if (pk, oldest) in known:
                already += 1
                continue
            explanation = score(people[pk][0], people[oldest][0], params)
            if explanation.outcome == "new":  # e.g. another member of the household
                held_back += 1
                continue
            queue.append((people[pk][1], Proposal("review", people[oldest][1], explanation)))
    with transaction.atomic():
        queue_reviews(queue, actor=actor, source=source)
    in_clusters = sum(len(m) for m in members.values() if len(m) > 1)
    return DatabaseDedupe(len(people), len(members), in_clusters, len(queue), already, held_back)
