"""Compare one field of two records into an agreement level.

Each field has an ordered list of levels, best first, ending in ``"else"``. A
comparison returns the first level whose test passes, or ``None`` ("null") when
either side is missing: a missing value is no evidence either way, weight 0.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable

from nicknames import NickNamer
from rapidfuzz import fuzz
from rapidfuzz.distance import JaroWinkler

from tracedesk.lib.matching.records import Prepared

NULL = "null"

NAME_LEVELS = ("exact", "jw92", "jw80", "phonetic", "else")
FIRST_NAME_LEVELS = ("exact", "nickname", "jw92", "jw80", "phonetic", "else")
LEVELS: dict[str, tuple[str, ...]] = {
    "first_name": FIRST_NAME_LEVELS,
    "last_name": NAME_LEVELS,
    "dob": ("exact", "swapped", "year_month", "typo", "else"),
    "sex": ("exact", "else"),
    "phone": ("exact", "else"),
    "email": ("exact", "else"),
    "address_line1": ("exact", "similar", "else"),
    "postcode": ("exact", "district", "else"),
    "nhs_number": ("exact", "else"),
}
"""Every compared field and its levels, best first. Parameters files use these labels."""


def _names(a: str, b: str, a_code: str, b_code: str) -> str | None:
    if not a or not b:
        return None
    if a == b:
        return "exact"
    similarity = JaroWinkler.similarity(a, b)
    if similarity >= 0.92:
        return "jw92"
    if similarity >= 0.80:
        return "jw80"
    if a_code == b_code:
        return "phonetic"
    return "else"


@functools.cache
def _nicknames() -> NickNamer:
    return NickNamer()


@functools.lru_cache(maxsize=65536)
def is_nickname(a: str, b: str) -> bool:
    """Whether one given name is a usual nickname of the other (Robert and Bob, Sue and
    Susan), or both are nicknames of one name, from the ``nicknames`` package's table."""
    table = _nicknames()
    a, b = a.casefold(), b.casefold()
    if b in table.nicknames_of(a) or a in table.nicknames_of(b):
        return True
    return bool(table.canonicals_of(a) & (table.canonicals_of(b) | {b}))


def _first_name(a: Prepared, b: Prepared) -> str | None:
    level = _names(a.first_name, b.first_name, a.first_phonetic, b.first_phonetic)
    if level not in (None, "exact") and is_nickname(a.first_name, b.first_name):
        return "nickname"
    return level


def _last_name(a: Prepared, b: Prepared) -> str | None:
    return _names(a.last_name, b.last_name, a.last_phonetic, b.last_phonetic)


def _dob(a: Prepared, b: Prepared) -> str | None:
    if a.dob is None or b.dob is None:
        return None
    return compare_dates(a.dob, b.dob)


def compare_dates(a: dt.date, b: dt.date) -> str:
    """Return the agreement level of two dates of birth."""
    if a == b:
        return "exact"
    if a.year == b.year and a.month == b.day and a.day == b.month:
        return "swapped"
    if a.year == b.year and a.month == b.month:
        return "year_month"
    parts = [(a.year, b.year), (a.month, b.month), (a.day, b.day)]
    differing = [pair for pair in parts if pair[0] != pair[1]]
    if len(differing) == 1 and _keying_error(*differing[0]):
        return "typo"
    return "else"


def _keying_error(a: int, b: int) -> bool:
    """Return whether one number could be another mistyped: off by one, one digit
    changed, or two neighbouring digits swapped (1987 and 1978, 12 and 21)."""
    if abs(a - b) == 1:
        return True
    x, y = f"{a:02d}", f"{b:02d}"
    if len(x) != len(y):
        return False
    changed = [i for i in range(len(x)) if x[i] != y[i]]
    if len(changed) == 1:
        return True
    first, second = changed[0], changed[-1]
    return (
        len(changed) == 2
        and second == first + 1
        and x[first] == y[second]
        and x[second] == y[first]
    )


def _exact(field: str) -> Callable[[Prepared, Prepared], str | None]:
    def compare(a: Prepared, b: Prepared) -> str | None:
        left, right = a.value(field), b.value(field)
        if not left or not right:
            return None
        return "exact" if left == right else "else"

    return compare


def _address(a: Prepared, b: Prepared) -> str | None:
    if not a.address_line1 or not b.address_line1:
        return None
    if a.address_line1 == b.address_line1:
        return "exact"
    # Token order and abbreviations vary ("Flat 2, 10 High St" / "10 High St Flat 2").
    if fuzz.token_sort_ratio(a.address_line1, b.address_line1) >= 88:
        return "similar"
    return "else"


def _postcode(a: Prepared, b: Prepared) -> str | None:
    if not a.postcode or not b.postcode:
        return None
    if a.postcode == b.postcode:
        return "exact"
    if a.district and a.district == b.district:
        return "district"
    return "else"


COMPARISONS: dict[str, Callable[[Prepared, Prepared], str | None]] = {
    "first_name": _first_name,
    "last_name": _last_name,
    "dob": _dob,
    "sex": _exact("sex"),
    "phone": _exact("phone"),
    "email": _exact("email"),
    "address_line1": _address,
    "postcode": _postcode,
    "nhs_number": _exact("nhs_number"),
}


def compare(field: str, a: Prepared, b: Prepared) -> str | None:
    """Return the agreement level of a field in two records, or None when either is missing."""
    return COMPARISONS[field](a, b)
