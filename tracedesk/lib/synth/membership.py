"""Who belongs to which setting, computed from slot maths instead of stored membership lists."""

from __future__ import annotations

import random
from typing import NamedTuple

from . import rng as rngmod
from .layout import (
    PRIMARY_CATCHMENT,
    SECONDARY_CATCHMENT,
    SLOTS,
    WINGS_PER_CARE_HOME,
    Area,
    AuthorityLayout,
    Layout,
)
from .places import care_home_id, school_id, venue_id, workplace_id
from .population import RESIDENT, Member, Population

_TRIES = 60


class Daytime(NamedTuple):
    """Where a person spends weekdays: route name, setting id and how to find its other members."""

    route: str  # workplace | school | care_home
    setting_id: str
    auth: int
    kind: str  # work | staff_care | staff_school | pupil | resident
    number: int  # workplace number, school number (secondary offset by 1e6) or care-home number


class Membership:
    def __init__(self, layout: Layout, population: Population) -> None:
        self.layout = layout
        self.population = population
        self._visits = rngmod.Reseedable(layout.config.seed, rngmod.VISITS)

    # -- daytime setting -------------------------------------------------------------------------
    def daytime(self, pid: int, m: Member) -> Daytime | None:
        layout = self.layout
        household = pid >> 3
        area = layout.area_of(household)
        auth = layout.authorities[area.la]
        if m.role == RESIDENT:
            return Daytime(
                "care_home", care_home_id(area.care_home), auth.index, "resident", area.care_home
            )
        if m.works:
            w = layout.workplace_of_slot(auth, pid - auth.lo * SLOTS)
            n_care = len(auth.care_homes)
            if w < n_care:
                care = auth.care_homes[w]
                return Daytime("care_home", care_home_id(care), auth.index, "staff_care", care)
            if w < auth.staff_units:
                j = w - n_care
                secondary = j >= auth.n_primary
                number = j - auth.n_primary if secondary else j
                return Daytime(
                    "school",
                    school_id(auth, secondary, number),
                    auth.index,
                    "staff_school",
                    number + (1_000_000 if secondary else 0),
                )
            return Daytime("workplace", workplace_id(auth, w), auth.index, "work", w)
        if 4 <= m.age <= 17:
            secondary = m.age >= 11
            catchment = SECONDARY_CATCHMENT if secondary else PRIMARY_CATCHMENT
            count = auth.n_secondary if secondary else auth.n_primary
            number = min(count - 1, (household - auth.lo) // catchment)
            return Daytime(
                "school",
                school_id(auth, secondary, number),
                auth.index,
                "pupil",
                number + (1_000_000 if secondary else 0),
            )
        return None

    def daytime_id(self, pid: int, m: Member) -> str:
        d = self.daytime(pid, m)
        return d.setting_id if d else ""

    # -- sampling other members ------------------------------------------------------------------
    def colleague(self, rng: random.Random, day: Daytime, exclude: int) -> int | None:
        """Return another random member of the same daytime setting (or None if none found)."""
        auth = self.layout.authorities[day.auth]
        if day.route == "care_home":
            care = day.number
            if rng.random() < 0.7:
                return self._resident(rng, care, exclude)
            return self._worker(rng, auth, auth.care_homes.index(care), exclude)
        if day.route == "school":
            secondary = day.number >= 1_000_000
            number = day.number % 1_000_000
            if rng.random() < 0.1:
                staff = len(auth.care_homes) + number + (auth.n_primary if secondary else 0)
                return self._worker(rng, auth, staff, exclude)
            return self._pupil(rng, auth, secondary, number, exclude)
        return self._worker(rng, auth, day.number, exclude)

    def _worker(
        self, rng: random.Random, auth: AuthorityLayout, w: int, exclude: int
    ) -> int | None:
        if w >= auth.n_workplaces:
            return None
        start, end = self.layout.workplace_range(auth, w)
        member = self.population.member
        for _ in range(_TRIES):
            pid = self.layout.slot_of_permuted(auth, start + int(rng.random() * (end - start)))
            m = member(pid)
            if m is not None and m.works and pid != exclude:
                return pid
        return None

    def _pupil(
        self, rng: random.Random, auth: AuthorityLayout, secondary: bool, number: int, exclude: int
    ) -> int | None:
        catchment = SECONDARY_CATCHMENT if secondary else PRIMARY_CATCHMENT
        count = auth.n_secondary if secondary else auth.n_primary
        lo = auth.lo + number * catchment
        hi = auth.hi if number == count - 1 else min(auth.hi, lo + catchment)
        if hi <= lo:
            return None
        low_age, high_age = (11, 17) if secondary else (4, 10)
        sizes = self.layout.sizes
        for _ in range(_TRIES):
            household = lo + int(rng.random() * (hi - lo))
            pid = household * SLOTS + int(rng.random() * sizes[household])
            m = self.population.member(pid)
            if (
                m is not None
                and m.role != RESIDENT
                and low_age <= m.age <= high_age
                and pid != exclude
            ):
                return pid
        return None

    def _resident(self, rng: random.Random, care: int, exclude: int) -> int | None:
        area = self.layout.areas[self.layout.care_home_areas[care]]
        for _ in range(_TRIES):
            household = area.lo + int(rng.random() * WINGS_PER_CARE_HOME)
            pid = household * SLOTS + int(rng.random() * self.layout.sizes[household])
            if pid != exclude:
                return pid
        return None

    def neighbour(self, rng: random.Random, area: Area, exclude_household: int) -> int | None:
        """Return a random person living in the area (not in a care home or the given household)."""
        sizes = self.layout.sizes
        for _ in range(_TRIES):
            household = area.lo + int(rng.random() * (area.hi - area.lo))
            if household == exclude_household or self.layout.is_wing(household):
                continue
            return household * SLOTS + int(rng.random() * sizes[household])
        return None

    # -- venue visits ----------------------------------------------------------------------------
    def visits(self, pid: int, m: Member, day: int) -> list[str]:
        """Return the venues a person visited on a day (re-derivable; own area only)."""
        if m.role == RESIDENT:
            return []
        rng = self._visits.at(pid * 1024 + day + 64)
        p = 0.35 if m.age >= 18 else 0.2 if m.age >= 5 else 0.1
        if rng.random() >= p:
            return []
        area = self.layout.area_of(pid >> 3)
        first = int(rng.random() * area.venues)
        out = [venue_id(area.index, first)]
        if rng.random() < 0.15:
            second = int(rng.random() * area.venues)
            if second != first:
                out.append(venue_id(area.index, second))
        return out
