"""The population's skeleton: household sizes, areas (postcode sectors), authorities and slot maths.

Person ids are slots ``pid = household * 8 + k`` (``k`` below the household's size), so a person's
household is ``pid // 8``. The only per-household state kept is one byte (the size) plus a running
people count every 64 households; everything else about a household is re-derived from its seeded
stream when needed.
"""

from __future__ import annotations

import math
import random
from array import array
from dataclasses import dataclass, field

from . import rng as rngmod
from .config import SynthConfig
from .geography import LOCAL_AUTHORITIES, LocalAuthority
from .names import ALL_LAST_NAMES, FIRST_NAMES_FEMALE, FIRST_NAMES_MALE, STREET_SUFFIXES

SLOTS = 8
BLOCK_SHIFT = 6
WINGS_PER_CARE_HOME = 4
HOUSEHOLDS_PER_STREET = 25
HOUSEHOLDS_PER_UNIT = 12
PRIMARY_CATCHMENT = 900  # households per primary school (~180 pupils aged 4-10)
SECONDARY_CATCHMENT = 2_400  # households per secondary school (~450 pupils aged 11-17)

# England household sizes 1..7 (ONS Families and Households 2020; mean ~2.37).
HOUSEHOLD_SIZE_WEIGHTS = (29.0, 35.0, 16.0, 13.0, 5.0, 1.5, 0.5)
MEAN_HOUSEHOLD_SIZE = sum((i + 1) * w for i, w in enumerate(HOUSEHOLD_SIZE_WEIGHTS)) / sum(
    HOUSEHOLD_SIZE_WEIGHTS
)
# Mean number of other household members seen from a random person (size-biased).
MEAN_OTHER_MEMBERS = sum((i + 1) * i * w for i, w in enumerate(HOUSEHOLD_SIZE_WEIGHTS)) / sum(
    (i + 1) * w for i, w in enumerate(HOUSEHOLD_SIZE_WEIGHTS)
)

# Workplaces: the slot space of an authority, permuted, is cut into runs of WORK_UNIT slots;
# workplaces take 1-20 units in this repeating pattern (a heavy tail of sizes, mean ~18 workers).
WORK_UNIT = 40
WORK_WIDTHS = (1, 1, 2, 1, 1, 4, 1, 1, 2, 1, 8, 1, 1, 2, 1, 20)
WORK_CYCLE_UNITS = sum(WORK_WIDTHS)
WORK_STARTS = tuple(sum(WORK_WIDTHS[:i]) for i in range(len(WORK_WIDTHS)))
UNIT_TO_ENTRY = tuple(e for e, width in enumerate(WORK_WIDTHS) for _ in range(width))

VENUE_PATTERN = (
    "hospitality", "retail", "place_of_worship", "hospitality", "gym", "healthcare",
    "hospitality", "retail", "hospitality", "place_of_worship", "retail", "hospitality",
)  # fmt: skip


@dataclass(slots=True)
class Area:
    """A postcode sector: a contiguous run of households in one local authority."""

    index: int
    la: int
    local_index: int
    lo: int
    hi: int
    district: str
    sector: int
    care_home: int
    """Global care-home number, or -1 when the area has none."""
    streets: tuple[str, ...] = ()
    venues: int = 0


@dataclass(slots=True)
class AuthorityLayout:
    """One local authority's share of the households, schools and workplaces."""

    index: int
    la: LocalAuthority
    lo: int
    hi: int
    first_area: int
    n_areas: int
    care_homes: list[int] = field(default_factory=list)
    n_primary: int = 1
    n_secondary: int = 1
    slots: int = 0
    perm_a: int = 1
    perm_b: int = 0
    perm_inv: int = 1
    n_workplaces: int = 0

    @property
    def staff_units(self) -> int:
        """Workplace numbers below this are care-home and school staff teams."""
        return len(self.care_homes) + self.n_primary + self.n_secondary


class Layout:
    """Household sizes, areas and authorities for one config; small compared with the population."""

    def __init__(self, config: SynthConfig) -> None:
        self.config = config
        seed = config.seed
        est_households = config.people / MEAN_HOUSEHOLD_SIZE
        self.households_per_area = max(25, min(250, round(est_households / 30)))
        per_area = self.households_per_area
        est_areas = math.ceil(est_households / per_area)
        # Care homes hold ~0.7% of England's population; at least ~1.5 homes in any run.
        resident_share = 0.007 * per_area * MEAN_HOUSEHOLD_SIZE / (WINGS_PER_CARE_HOME * 7)
        self._care_p = min(1.0, max(resident_share, 1.5 / est_areas))
        self._care_phase = rngmod.derived(seed, rngmod.LAYOUT).random()

        self.sizes = bytearray()
        self.block_people = array("q")
        self._draw_sizes(rngmod.derived(seed, rngmod.SIZES))
        self.households = len(self.sizes)
        self.areas: list[Area] = []
        self.authorities: list[AuthorityLayout] = []
        self.care_home_areas: list[int] = []
        self._build_areas(seed)

    # -- sizes -----------------------------------------------------------------------------------
    def _area_has_care_home(self, area: int) -> bool:
        p, phase = self._care_p, self._care_phase
        return math.floor(area * p + phase) > math.floor((area - 1) * p + phase)

    def _draw_sizes(self, rng: random.Random) -> None:
        people = self.config.people
        per_area = self.households_per_area
        cum = list(range(1, len(HOUSEHOLD_SIZE_WEIGHTS) + 1))
        weights = HOUSEHOLD_SIZE_WEIGHTS
        total = 0
        area = 0
        while total < people:
            batch = rng.choices(cum, weights=weights, k=per_area)
            if self._area_has_care_home(area):
                for wing in range(WINGS_PER_CARE_HOME):
                    batch[wing] = 6 + rng.randrange(3)
            for size in batch:
                if len(self.sizes) % (1 << BLOCK_SHIFT) == 0:
                    self.block_people.append(total)
                size = min(size, people - total)
                self.sizes.append(size)
                total += size
                if total >= people:
                    break
            area += 1

    # -- areas and authorities -------------------------------------------------------------------
    def _build_areas(self, seed: int) -> None:
        per_area = self.households_per_area
        n_areas = math.ceil(self.households / per_area)
        counts = _allocate(n_areas, [la.population for la in LOCAL_AUTHORITIES])
        area = 0
        for la_index, (la, count) in enumerate(zip(LOCAL_AUTHORITIES, counts, strict=True)):
            lo = area * per_area
            hi = min((area + count) * per_area, self.households)
            auth = AuthorityLayout(la_index, la, lo, hi, area, count)
            for local in range(count):
                a_lo = (area + local) * per_area
                a_hi = min(a_lo + per_area, self.households)
                ndist = len(la.districts)
                care = -1
                if self._area_has_care_home(area + local) and a_hi - a_lo >= WINGS_PER_CARE_HOME:
                    care = len(self.care_home_areas)
                    self.care_home_areas.append(area + local)
                    auth.care_homes.append(care)
                rec = Area(
                    index=area + local,
                    la=la_index,
                    local_index=local,
                    lo=a_lo,
                    hi=a_hi,
                    district=la.districts[local % ndist],
                    sector=(local // ndist) % 10,
                    care_home=care,
                )
                self._decorate_area(seed, rec)
                self.areas.append(rec)
            households = max(0, hi - lo)
            auth.n_primary = max(1, math.ceil(households / PRIMARY_CATCHMENT))
            auth.n_secondary = max(1, math.ceil(households / SECONDARY_CATCHMENT))
            self._set_workplaces(seed, auth)
            self.authorities.append(auth)
            area += count

    def _decorate_area(self, seed: int, area: Area) -> None:
        rng = rngmod.derived(seed, rngmod.AREA, area.index)
        n_streets = max(2, math.ceil((area.hi - area.lo) / HOUSEHOLDS_PER_STREET))
        streets: list[str] = []
        while len(streets) < n_streets:
            stem = (
                rngmod.pick(rng, ALL_LAST_NAMES)
                if rng.random() < 0.6
                else rngmod.pick(rng, FIRST_NAMES_MALE + FIRST_NAMES_FEMALE)
            )
            name = f"{stem} {rngmod.pick(rng, STREET_SUFFIXES)}"
            if name not in streets:
                streets.append(name)
        area.streets = tuple(streets)
        area.venues = max(6, round((area.hi - area.lo) / 20))

    def _set_workplaces(self, seed: int, auth: AuthorityLayout) -> None:
        slots = max(SLOTS, SLOTS * (auth.hi - auth.lo))
        rng = rngmod.derived(seed, rngmod.PERMUTATION, auth.index)
        a = rng.randrange(1, slots) | 1
        while math.gcd(a, slots) != 1:
            a = rng.randrange(1, slots) | 1
        auth.slots = slots
        auth.perm_a = a
        auth.perm_b = rng.randrange(slots)
        auth.perm_inv = pow(a, -1, slots)
        cycle_slots = WORK_CYCLE_UNITS * WORK_UNIT
        full, rest = divmod(slots, cycle_slots)
        partial = sum(1 for s in WORK_STARTS if s * WORK_UNIT < rest)
        auth.n_workplaces = full * len(WORK_WIDTHS) + partial

    # -- lookups ---------------------------------------------------------------------------------
    def area_of(self, household: int) -> Area:
        return self.areas[household // self.households_per_area]

    def authority_of(self, household: int) -> AuthorityLayout:
        return self.authorities[self.areas[household // self.households_per_area].la]

    def is_wing(self, household: int) -> bool:
        """Return whether the household slot run is a care-home wing."""
        area = self.areas[household // self.households_per_area]
        return area.care_home >= 0 and household - area.lo < WINGS_PER_CARE_HOME

    def exists(self, pid: int) -> bool:
        household = pid >> 3
        return 0 <= household < self.households and (pid & 7) < self.sizes[household]

    def person_rank(self, pid: int) -> int:
        """Return the person's dense number 0..people-1 (order of household, then member)."""
        household = pid >> 3
        block = household >> BLOCK_SHIFT
        start = block << BLOCK_SHIFT
        return self.block_people[block] + sum(self.sizes[start:household]) + (pid & 7)

    def workplace_of_slot(self, auth: AuthorityLayout, local_slot: int) -> int:
        """Return the workplace number (within the authority) a worker's slot maps to."""
        y = (auth.perm_a * local_slot + auth.perm_b) % auth.slots
        cycle, rest = divmod(y, WORK_CYCLE_UNITS * WORK_UNIT)
        return cycle * len(WORK_WIDTHS) + UNIT_TO_ENTRY[rest // WORK_UNIT]

    def workplace_range(self, auth: AuthorityLayout, workplace: int) -> tuple[int, int]:
        """Return the permuted-slot range [start, end) of a workplace."""
        cycle, entry = divmod(workplace, len(WORK_WIDTHS))
        start = (cycle * WORK_CYCLE_UNITS + WORK_STARTS[entry]) * WORK_UNIT
        return start, min(start + WORK_WIDTHS[entry] * WORK_UNIT, auth.slots)

    def slot_of_permuted(self, auth: AuthorityLayout, y: int) -> int:
        """Return the global person slot whose permuted position is ``y``."""
        local = (auth.perm_inv * (y - auth.perm_b)) % auth.slots
        return auth.lo * SLOTS + local


def _allocate(total: int, weights: list[int]) -> list[int]:
    """Split ``total`` by weights (largest remainder), giving each a share of at least one."""
    n = len(weights)
    if total < n:
        return [1 if i < total else 0 for i in range(n)]
    base = [1] * n
    rest = total - n
    wsum = sum(weights)
    quotas = [rest * w / wsum for w in weights]
    floors = [math.floor(q) for q in quotas]
    left = rest - sum(floors)
    order = sorted(range(n), key=lambda i: (floors[i] - quotas[i], i))
    for i in order[:left]:
        floors[i] += 1
    return [b + f for b, f in zip(base, floors, strict=True)]
