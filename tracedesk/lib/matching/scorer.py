"""Score a pair of records, explain the score, and decide among candidates."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal, NamedTuple

from tracedesk.lib.matching.comparisons import LEVELS, NULL, compare
from tracedesk.lib.matching.parameters import Parameters
from tracedesk.lib.matching.records import Prepared, Record, prepare

Outcome = Literal["link", "review", "new"]
TermFrequencies = Mapping[str, Mapping[str, float]]
"""Field -> normalised value -> share of the population with that value."""

TF_FIELDS = ("first_name", "last_name", "postcode", "phone", "email")
"""Fields whose exact agreement is weighed by how common the shared value is."""

MIN_FREQUENCY = 1e-5
"""Floor for a term frequency: below about one in the population it is noise, and a
zero would divide by zero."""

CONTACT_FIELDS = ("phone", "email")
PERSONAL_FIELDS = ("first_name", "dob", "nhs_number")
"""Fields that tell one member of a household from another. A surname, an address, a
phone or an e-mail is often shared by a whole family, so agreeing on them alone
never proves that two records are the same person."""

RULE_SHARED_CONTACT = "shared_contact_only"
RULE_CONFLICTING_DOB = "conflicting_dob"
RULE_POSSIBLE_TWIN = "possible_twin"
RULE_OTHER_MEMBER = "other_household_member"
RULE_OTHER_SURNAME = "other_surname"
RULES = {
    RULE_SHARED_CONTACT: (
        "No first name, date of birth or NHS number agrees: household details such as a "
        "shared phone, e-mail, surname or address never link on their own."
    ),
    RULE_CONFLICTING_DOB: (
        "Both dates of birth are given and differ by more than a typing error: "
        "a person is only linked automatically when they do not conflict."
    ),
    RULE_POSSIBLE_TWIN: (
        "First names are similar but not the same (nor a shortened nickname, nor two letters "
        "swapped), "
        "and no NHS number agrees: twins share a surname, birthday, address and phone, so a "
        "person decides."
    ),
    RULE_OTHER_SURNAME: (
        "Surnames differ entirely and neither a date of birth nor an NHS number agrees: a first "
        "name and a shared phone or address are not enough to link someone under another name."
    ),
    RULE_OTHER_MEMBER: (
        "First names differ and neither a date of birth nor an NHS number agrees: another member "
        "of the same household, a new person, not a question for a reviewer."
    ),
}
NOT_A_MATCH = frozenset({RULE_OTHER_MEMBER})
"""Rules that make the outcome "new" whatever the total."""
"""Rules that hold an outcome at "review" whatever the total, with their explanations."""

_RANK: dict[str, int] = {"link": 2, "review": 1, "new": 0}


@dataclass(frozen=True, slots=True)
class FieldWeight:
    """How one field of the pair was compared and what it contributed."""

    field: str
    left: str
    right: str
    level: str
    m: float | None
    u: float | None
    weight: float
    tf_adjusted: bool = False

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON-ready form."""
        return {
            "field": self.field,
            "left": self.left,
            "right": self.right,
            "level": self.level,
            "m": self.m,
            "u": self.u,
            "weight": self.weight,
            "tf_adjusted": self.tf_adjusted,
        }


@dataclass(frozen=True, slots=True)
class Explanation:
    """The score of one pair of records, field by field, and the outcome it gives.

    ``index`` is the candidate's position in the list given to ``match`` (-1 from
    ``score``). ``rules`` names the rules that held the outcome at "review".
    """

    fields: tuple[FieldWeight, ...]
    prior_weight: float
    total: float
    outcome: Outcome
    rules: tuple[str, ...] = ()
    index: int = -1

    @property
    def probability(self) -> float:
        """Return the match probability implied by the total (meaningful with a prior)."""
        return 1 / (1 + 2 ** (-self.total)) if self.total > -1000 else 0.0

    def field(self, name: str) -> FieldWeight:
        """Return the explanation of one field."""
        for item in self.fields:
            if item.field == name:
                return item
        raise KeyError(name)

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON-ready form, for the API and the review screen."""
        return {
            "index": self.index,
            "total": self.total,
            "prior_weight": self.prior_weight,
            "outcome": self.outcome,
            "rules": [{"rule": rule, "explanation": RULES[rule]} for rule in self.rules],
            "fields": [item.to_dict() for item in self.fields],
        }


class Decision(NamedTuple):
    """What to do with a record: link it to ``best``, review it, or create a new person."""

    outcome: Outcome
    best: Explanation | None


def score(
    a: Record | Prepared,
    b: Record | Prepared,
    params: Parameters,
    tf: TermFrequencies | None = None,
) -> Explanation:
    """Score two records against each other and explain the score."""
    left, right = prepare(a), prepare(b)
    weights = tuple(_field_weight(name, left, right, params, tf) for name in LEVELS)
    total = params.prior_weight + sum(item.weight for item in weights)
    outcome: Outcome = "new"
    if total >= params.link:
        outcome = "link"
    elif total >= params.review:
        outcome = "review"
    rules = _rules(weights)
    if NOT_A_MATCH & set(rules):
        outcome = "new"
    elif outcome == "link" and rules:
        outcome = "review"
    return Explanation(weights, params.prior_weight, total, outcome, rules)


def _field_weight(
    name: str, a: Prepared, b: Prepared, params: Parameters, tf: TermFrequencies | None
) -> FieldWeight:
    left, right = a.value(name), b.value(name)
    level = compare(name, a, b)
    if level is None:
        return FieldWeight(name, left, right, NULL, None, None, 0.0)
    probabilities = params.fields[name][level]
    m, u = probabilities.m, probabilities.u
    adjusted = False
    if level == "exact" and tf is not None and name in TF_FIELDS:
        frequency = tf.get(name, {}).get(left)
        if frequency is not None:
            u = min(max(frequency, MIN_FREQUENCY), 1.0)
            adjusted = True
    return FieldWeight(name, left, right, level, m, u, math.log2(m / u), adjusted)


def shortened(first: FieldWeight) -> bool:
    """Whether one first name is a nickname that shortens the other (Pete for Peter, Sue
    for Susan): how people name themselves. Variants of one length (Anna, Anne) are how
    twins are named, and stay a question for a person."""
    return first.level == "nickname" and len(str(first.left)) != len(str(first.right))


def transposed(a: str, b: str) -> bool:
    """Whether two names differ only by two neighbouring letters swapped (Iain, Iian):
    a keying error, never how twins are named."""
    if len(a) != len(b) or a == b:
        return False
    diff = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
    return (
        len(diff) == 2
        and diff[1] == diff[0] + 1
        and a[diff[0]] == b[diff[1]]
        and a[diff[1]] == b[diff[0]]
    )


def _rules(weights: Sequence[FieldWeight]) -> tuple[str, ...]:
    agreeing = {item.field for item in weights if item.level not in (NULL, "else")}
    rules: list[str] = []
    if not agreeing & set(PERSONAL_FIELDS):
        rules.append(RULE_SHARED_CONTACT)
    if any(item.field == "dob" and item.level == "else" for item in weights):
        rules.append(RULE_CONFLICTING_DOB)
    levels = {item.field: item.level for item in weights}
    if levels.get("first_name") == "else" and not agreeing & {"dob", "nhs_number"}:
        rules.append(RULE_OTHER_MEMBER)
    if levels.get("last_name") == "else" and not agreeing & {"dob", "nhs_number"}:
        rules.append(RULE_OTHER_SURNAME)
    first = next((item for item in weights if item.field == "first_name"), None)
    if (
        first is not None
        and first.level not in ("exact", NULL)
        and not shortened(first)
        and not transposed(str(first.left), str(first.right))
        and levels.get("nhs_number") != "exact"
    ):
        rules.append(RULE_POSSIBLE_TWIN)
    return tuple(rules)


def match(
    record: Record | Prepared,
    candidates: Iterable[Record | Prepared],
    params: Parameters,
    tf: TermFrequencies | None = None,
) -> list[Explanation]:
    """Score a record against each candidate; return the explanations best first.

    Best first means by outcome (link, review, new), then by total; each
    explanation's ``index`` is the candidate's position in ``candidates``.
    """
    query = prepare(record)
    scored = [
        replace(score(query, candidate, params, tf), index=index)
        for index, candidate in enumerate(candidates)
    ]
    return sorted(scored, key=lambda e: (-_RANK[e.outcome], -e.total, e.index))


def decide(explanations: Sequence[Explanation]) -> Decision:
    """Return the outcome for a record and its best candidate (None when none).

    When more than one candidate reaches "link", the record is ambiguous (or the
    candidates are duplicates of each other), so the outcome is "review".
    """
    if not explanations:
        return Decision("new", None)
    ranked = sorted(explanations, key=lambda e: (-_RANK[e.outcome], -e.total, e.index))
    best = ranked[0]
    links = sum(1 for e in ranked if e.outcome == "link")
    if links > 1:
        return Decision("review", best)
    return Decision(best.outcome, best)


def term_frequencies(records: Iterable[Record | Prepared]) -> dict[str, dict[str, float]]:
    """Return the term-frequency table of a population, keyed by normalised value."""
    counts: dict[str, Counter[str]] = {name: Counter() for name in TF_FIELDS}
    for record in records:
        person = prepare(record)
        for name in TF_FIELDS:
            value = person.value(name)
            if value:
                counts[name][value] += 1
    table: dict[str, dict[str, float]] = {}
    for name, counter in counts.items():
        seen = sum(counter.values())
        table[name] = {value: count / seen for value, count in counter.items()} if seen else {}
    return table
