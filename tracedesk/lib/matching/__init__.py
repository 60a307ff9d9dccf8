"""Decide whether two person records describe the same human being, and say why.

The method (Fellegi and Sunter, 1969) in plain words. Compare two records field by
field: first name, surname, date of birth, sex, phone, e-mail, address, postcode
and NHS number. Each comparison gives an agreement *level*: for a name, "exact",
"very similar" (``jw92``: Jaro-Winkler similarity of at least 0.92, a typo),
"similar" (``jw80``), "sounds alike" (``phonetic``) or "else" (disagrees). When
either record lacks the field, the level is "null" and the field counts for nothing.

For every level we know two probabilities:

* ``m``: how often the level is seen when the records ARE the same person
  (data-entry errors make it less than 1 for "exact");
* ``u``: how often it is seen by chance when they are two DIFFERENT people
  (two strangers share a surname far more often than a date of birth).

The *match weight* of a field is log2(m / u): positive when the level is more
likely for the same person, negative when more likely for strangers. One unit
doubles the odds. The weights add up to a *total*; past the ``link`` threshold the
records are linked automatically, past ``review`` a person looks at them, below
that the record is a new person. Every number is kept in the ``Explanation``, so
the review screen can show which field pushed the score up or down.

Two refinements:

* Term frequencies: agreeing on "Smith" proves less than agreeing on "Okonkwo".
  Given a table of how common each value is, an exact agreement uses the value's
  frequency as ``u`` (names, postcode, phone, e-mail).
* Household rules: a family shares its surname, address, phone and e-mail. Unless
  a first name, date of birth or NHS number agrees, and unless the two dates of
  birth are compatible, a pair is at most sent for review, never linked.

Candidates come from ``blocking_keys``: only records sharing a key are scored.
The m and u values start as ``DEFAULT_PARAMETERS``, set by hand, and are replaced
by values trained on local data (a ``Parameters`` JSON file). No Django here.
"""

from tracedesk.lib.matching.blocking import blocking_keys
from tracedesk.lib.matching.comparisons import LEVELS, compare
from tracedesk.lib.matching.parameters import DEFAULT_PARAMETERS, Level, Parameters
from tracedesk.lib.matching.records import PersonRecord, Prepared, as_record, prepare
from tracedesk.lib.matching.scorer import (
    RULES,
    Decision,
    Explanation,
    FieldWeight,
    Outcome,
    TermFrequencies,
    decide,
    match,
    score,
    term_frequencies,
)

__all__ = [
    "DEFAULT_PARAMETERS",
    "LEVELS",
    "RULES",
    "Decision",
    "Explanation",
    "FieldWeight",
    "Level",
    "Outcome",
    "Parameters",
    "PersonRecord",
    "Prepared",
    "TermFrequencies",
    "as_record",
    "blocking_keys",
    "compare",
    "decide",
    "match",
    "prepare",
    "score",
    "term_frequencies",
]
