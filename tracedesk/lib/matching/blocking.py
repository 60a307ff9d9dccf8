"""Blocking keys: the cheap, indexed keys that pick which stored people to score.

Scoring every pair is too slow, so a record is only scored against stored people
that share at least one key with it. Each kind of key survives a different kind of
error: a misspelt first name still shares the surname key, a new address still
shares the phone key, and so on. Store the keys in an indexed table and look up
the candidates with ``key IN (...)``.
"""

from __future__ import annotations

import hashlib

from tracedesk.lib.matching.records import Prepared, Record, prepare

MAX_KEY_LENGTH = 80
NAME_IN_DISTRICT = "nd:"
"""Prefix of the key made of the full name and the postcode district."""


def blocking_keys(record: Record | Prepared, near: str = "") -> set[str]:
    """Return the blocking keys of a record; a missing field gives no key.

    ``near`` is the postcode district where the record was met when it has no postcode
    of its own (a contact named without an address: the district of the case who named
    them). The ``nd`` key (full name in a district) is the only one that uses it: it is
    how a contact known by nothing but a name is found again, and only next to the
    people who could have named them, where a namesake is rare.
    """
    person = prepare(record)
    keys: set[str] = set()
    district = person.district or near
    if person.first_name and person.last_name and district:
        keys.add(f"{NAME_IN_DISTRICT}{person.first_name}|{person.last_name}|{district}")
    year = str(person.dob.year) if person.dob else ""
    if person.last_phonetic and year:
        keys.add(f"nb:{person.last_phonetic}|{year}")
    if person.first_phonetic and person.dob:
        # Survives a misspelt or changed surname (marriage) and a typo in the year.
        keys.add(f"fd:{person.first_phonetic}|{person.dob.month:02d}-{person.dob.day:02d}")
    if person.postcode and person.first_name:
        keys.add(f"pf:{person.postcode}|{person.first_name[0]}")
    if person.postcode and person.last_phonetic:
        keys.add(f"pl:{person.postcode}|{person.last_phonetic}")
    if person.phone:
        keys.add(f"ph:{person.phone}")
    if person.email:
        keys.add(f"em:{person.email}")
    if person.nhs_number:
        keys.add(f"id:{person.nhs_number}")
    return {_short(key) for key in keys}


def _short(key: str) -> str:
    """Replace the value of an over-long key by a digest, keeping its prefix."""
    if len(key) <= MAX_KEY_LENGTH:
        return key
    prefix, _, value = key.partition(":")
    digest = hashlib.sha256(value.encode()).hexdigest()[:40]
    return f"{prefix}:#{digest}"
