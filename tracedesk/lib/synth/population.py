"""People, derived on demand from a household's seeded stream; never stored for everyone."""

from __future__ import annotations

import datetime as dt
import random
import re
from functools import lru_cache
from typing import NamedTuple

from . import rng as rngmod
from .geography import LANGUAGES, LOCAL_AUTHORITIES, language_weights, unit_code
from .layout import HOUSEHOLDS_PER_UNIT, SLOTS, Layout
from .names import FIRST_NAMES_FEMALE, FIRST_NAMES_MALE, LANGUAGE_WEIGHTS, LAST_NAMES
from .places import care_home_address, care_home_name

NHS_CAPACITY = 900_000  # 10^5 prefixes "999ddddd" x 9 valid final base digits each
EMAIL_DOMAINS = ("example.com", "example.org", "example.net")  # RFC 2606 reserved

# Roles within a household.
PARENT = "P"
CHILD = "C"
GRANDPARENT = "G"
SHARER = "S"
RESIDENT = "R"


class Member(NamedTuple):
    """What transmission needs about a person: cheap to derive."""

    age: int
    sex: str
    works: bool
    role: str


class Person(NamedTuple):
    pid: int
    household: int
    first_name: str
    last_name: str
    sex: str
    date_of_birth: dt.date
    age: int
    nhs_number: str
    phone: str
    email: str
    address_line1: str
    address_line2: str
    town: str
    postcode: str
    la_code: str
    language: str
    role: str
    works: bool


def nhs_check_digit(first_nine: str) -> int | None:
    """Return the modulus-11 check digit of nine digits, or None when no digit is valid."""
    total = sum(int(d) * w for d, w in zip(first_nine, range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        return 0
    return None if check == 10 else check


def nhs_number_for(index: int, seed: int) -> str:
    """Return the ``index``-th test NHS number (999 range) of a seed's bijective numbering."""
    if not 0 <= index < NHS_CAPACITY:
        return ""
    # Affine permutation of [0, NHS_CAPACITY): 7 * 13 * 17 * 19 = 29393 is coprime with 2^5*3^2*5^5.
    x = (29393 * index + seed * 7919) % NHS_CAPACITY
    group, choice = divmod(x, 9)
    # Weighted sum of "999" (weights 10, 9, 8) and the five group digits (weights 7..3).
    total = 243
    rest = group
    for weight in (3, 4, 5, 6, 7):
        rest, digit = divmod(rest, 10)
        total += digit * weight
    seen = 0
    for last in range(10):
        check = 11 - (total + 2 * last) % 11
        if check == 10:
            continue
        if seen == choice:
            return f"999{group:05d}{last}{0 if check == 11 else check}"
        seen += 1
    raise AssertionError("every group of ten has at least nine valid numbers")


def _works(rng: random.Random, age: int) -> bool:
    if 18 <= age <= 64:
        return rng.random() < 0.78
    if 65 <= age <= 67:
        return rng.random() < 0.25
    return False


def _sex(rng: random.Random) -> str:
    return "F" if rng.random() < 0.5 else "M"


def _other(sex: str, rng: random.Random) -> str:
    if rng.random() < 0.05:
        return sex
    return "M" if sex == "F" else "F"


def _children(rng: random.Random, n: int, youngest_parent: int) -> list[Member]:
    kids: list[Member] = []
    for _ in range(n):
        if youngest_parent >= 44 and rng.random() < 0.15:
            age = rng.randint(18, 25)
            kids.append(Member(age, _sex(rng), rng.random() < 0.6, CHILD))
        else:
            age = rng.randint(0, max(0, min(17, youngest_parent - 18)))
            kids.append(Member(age, _sex(rng), False, CHILD))
    return kids


def compose(rng: random.Random, size: int, wing: bool) -> tuple[str, tuple[Member, ...]]:
    """Return a household kind and its members (adults first), consistent in ages and roles."""
    if wing:
        return "care_home", tuple(
            Member(rng.randint(72, 101), "F" if rng.random() < 0.7 else "M", False, RESIDENT)
            for _ in range(size)
        )
    u = rng.random()
    if size == 1:
        if u < 0.22:
            age = rng.randint(18, 34)
        elif u < 0.62:
            age = rng.randint(35, 64)
        else:
            age = rng.randint(65, 95)
        return "single", (Member(age, _sex(rng), _works(rng, age), PARENT),)
    if (size == 2 and u > 0.87) or (3 <= size <= 5 and u < 0.08):
        ages = [rng.randint(19, 40) for _ in range(size)]
        return "sharers", tuple(Member(a, _sex(rng), _works(rng, a), SHARER) for a in ages)
    if (size == 2 and u > 0.70) or (size >= 3 and u < 0.22):
        parent = rng.randint(22, 58)
        first = Member(parent, "F" if rng.random() < 0.85 else "M", _works(rng, parent), PARENT)
        return "single_parent", (first, *_children(rng, size - 1, parent))
    a1 = rng.randint(65, 90) if size == 2 and rng.random() < 0.4 else rng.randint(24, 58)
    a2 = max(18, min(99, a1 + rng.randint(-5, 5)))
    s1 = _sex(rng)
    couple = [
        Member(a1, s1, _works(rng, a1), PARENT),
        Member(a2, _other(s1, rng), _works(rng, a2), PARENT),
    ]
    if size == 2:
        return "couple", tuple(couple)
    if size >= 4 and u < 0.32:
        g = rng.randint(max(65, max(a1, a2) + 18), max(66, max(a1, a2) + 35))
        grand = Member(min(g, 100), _sex(rng), False, GRANDPARENT)
        return "multigenerational", (*couple, grand, *_children(rng, size - 3, min(a1, a2)))
    return "family", (*couple, *_children(rng, size - 2, min(a1, a2)))


class Population:
    """Derives members and personal details for any household of a layout."""

    def __init__(self, layout: Layout) -> None:
        self.layout = layout
        self.seed = layout.config.seed
        self.start = layout.config.start
        self._core_rng = rngmod.Reseedable(self.seed, rngmod.HOUSEHOLD_CORE)
        self._detail_rng = rngmod.Reseedable(self.seed, rngmod.HOUSEHOLD_DETAILS)
        self._lang = [
            rngmod.Weighted(LANGUAGES, language_weights(la, LANGUAGE_WEIGHTS))
            for la in LOCAL_AUTHORITIES
        ]
        self.core = lru_cache(maxsize=4_096)(self._core)
        self._recent = lru_cache(maxsize=1_024)(self.details)

    def _core(self, household: int) -> tuple[str, tuple[Member, ...]]:
        size = self.layout.sizes[household]
        rng = self._core_rng.at(household)
        return compose(rng, size, self.layout.is_wing(household))

    def member(self, pid: int) -> Member | None:
        """Return the core facts of a person slot, or None if the slot is empty."""
        household = pid >> 3
        if not 0 <= household < self.layout.households:
            return None
        members = self.core(household)[1]
        k = pid & 7
        return members[k] if k < len(members) else None

    def must(self, pid: int) -> Member:
        """Return the core facts of a person who must exist."""
        m = self.member(pid)
        if m is None:
            raise LookupError(f"no person in slot {pid}")
        return m

    def household_pids(self, household: int) -> range:
        return range(household * SLOTS, household * SLOTS + self.layout.sizes[household])

    def details(self, household: int) -> list[Person]:
        """Return every member of a household with names, contact details and address."""
        layout = self.layout
        kind, members = self.core(household)
        rng = self._detail_rng.at(household)
        area = layout.area_of(household)
        la = LOCAL_AUTHORITIES[area.la]
        family_name = LAST_NAMES.draw(rng)
        language = self._lang[area.la].draw(rng)
        line1, line2, postcode = self._address(rng, household, kind)
        wide = layout.config.wide_phone_range
        people: list[Person] = []
        for k, m in enumerate(members):
            if kind in ("sharers", "care_home") or (k == 1 and rng.random() < 0.15):
                last = LAST_NAMES.draw(rng)
            else:
                last = family_name
            first = rngmod.pick(rng, FIRST_NAMES_FEMALE if m.sex == "F" else FIRST_NAMES_MALE)
            days_old = m.age * 365 + m.age // 4 + rng.randrange(365)
            dob = self.start - dt.timedelta(days=days_old)
            phone = ""
            if (m.age >= 18 and rng.random() < (0.3 if m.role == RESIDENT else 0.95)) or (
                12 <= m.age < 18 and rng.random() < 0.8
            ):
                tail = 900_000 + (rng.randrange(100_000) if wide else rng.randrange(1_000))
                phone = f"07700 {tail:06d}"
            email = ""
            if (m.age >= 16 and rng.random() < (0.2 if m.role == RESIDENT else 0.85)) or (
                13 <= m.age < 16 and rng.random() < 0.5
            ):
                email = _email(rng, first, last)
            lang = language
            if m.role == RESIDENT:
                lang = self._lang[area.la].draw(rng)
            elif language != "en" and m.age < 18 and rng.random() < 0.6:
                lang = "en"
            pid = household * SLOTS + k
            people.append(
                Person(
                    pid=pid,
                    household=household,
                    first_name=first,
                    last_name=last,
                    sex=m.sex,
                    date_of_birth=dob,
                    age=m.age,
                    nhs_number=nhs_number_for(layout.person_rank(pid), self.seed),
                    phone=phone,
                    email=email,
                    address_line1=line1,
                    address_line2=line2,
                    town=la.name,
                    postcode=postcode,
                    la_code=la.code,
                    language=lang,
                    role=m.role,
                    works=m.works,
                )
            )
        return people

    def person(self, pid: int) -> Person:
        return self._recent(pid >> 3)[pid & 7]

    def _address(self, rng: random.Random, household: int, kind: str) -> tuple[str, str, str]:
        layout = self.layout
        area = layout.area_of(household)
        if kind == "care_home":
            street_line, postcode = care_home_address(layout, area)
            return care_home_name(layout, area.care_home), street_line, postcode
        offset = household - area.lo
        span = area.hi - area.lo
        n_streets = len(area.streets)
        street = min(n_streets - 1, offset * n_streets // span)
        first_on_street = -(-street * span // n_streets)
        number = offset - first_on_street + 1
        line1 = f"{number} {area.streets[street]}"
        line2 = f"Flat {rng.randint(1, 12)}" if rng.random() < 0.18 else ""
        postcode = f"{area.district} {unit_code(area.sector, offset // HOUSEHOLDS_PER_UNIT)}"
        return line1, line2, postcode


_NON_ALNUM = re.compile(r"[^a-z0-9]")


def _email(rng: random.Random, first: str, last: str) -> str:
    f = _NON_ALNUM.sub("", first.lower())
    surname = _NON_ALNUM.sub("", last.lower())
    style = rng.random()
    if style < 0.4:
        local = f"{f}.{surname}"
    elif style < 0.7:
        local = f"{f}{surname}{rng.randint(1, 99)}"
    elif style < 0.9:
        local = f"{f[:1]}{surname}{rng.randint(1, 999)}"
    else:
        local = f"{surname}.{f}{rng.randint(60, 99)}"
    return f"{local}@{rngmod.pick(rng, EMAIL_DOMAINS)}"
