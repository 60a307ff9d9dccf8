"""Settings: ids, names and addresses of workplaces, schools, care homes and venues."""

from __future__ import annotations

import random
from collections.abc import Iterator

from . import rng as rngmod
from .geography import LOCAL_AUTHORITIES, unit_code
from .layout import (
    PRIMARY_CATCHMENT,
    SECONDARY_CATCHMENT,
    VENUE_PATTERN,
    Area,
    AuthorityLayout,
    Layout,
)
from .names import (
    ALL_LAST_NAMES,
    CAFE_WORDS,
    CARE_HOME_WORDS,
    FIRST_NAMES_FEMALE,
    FIRST_NAMES_MALE,
    GYM_WORDS,
    HEALTH_WORDS,
    PUB_FIRST,
    PUB_SECOND,
    RETAIL_WORDS,
    WORK_SUFFIXES,
)

SETTING_TYPES = (
    "workplace", "school", "care_home", "hospitality", "gym", "place_of_worship", "retail",
    "healthcare",
)  # fmt: skip

# Setting kinds in derived-stream keys.
_K_WORK, _K_PRIMARY, _K_SECONDARY, _K_CARE, _K_VENUE = 1, 2, 3, 4, 5

SettingRow = tuple[str, str, str, str, str, str, str]


def workplace_id(auth: AuthorityLayout, workplace: int) -> str:
    return f"WRK-{auth.index + 1}-{workplace:06d}"


def school_id(auth: AuthorityLayout, secondary: bool, number: int) -> str:
    return f"SCH-{auth.index + 1}-{'S' if secondary else 'P'}{number:04d}"


def care_home_id(care_home: int) -> str:
    return f"CHM-{care_home:05d}"


def venue_id(area: int, number: int) -> str:
    return f"VEN-{area:05d}-{number:02d}"


def _key(kind: int, a: int, b: int) -> int:
    return (kind << 40) | (a << 24) | b


def _street_address(layout: Layout, area: Area, key: int) -> tuple[str, str]:
    rng = rngmod.derived(layout.config.seed, rngmod.SETTING, key)
    street = rngmod.pick(rng, area.streets)
    line1 = f"{rng.randint(1, 180)} {street}"
    unit = 300 + rng.randrange(100)  # units 300+ are never used by households (<= 21 per area)
    return line1, f"{area.district} {unit_code(area.sector, unit)}"


def care_home_name(layout: Layout, care_home: int) -> str:
    rng = rngmod.derived(layout.config.seed, rngmod.SETTING, _key(_K_CARE, care_home, 0) + 1)
    stem = rngmod.pick(rng, ALL_LAST_NAMES + FIRST_NAMES_FEMALE)
    return f"{stem} {rngmod.pick(rng, CARE_HOME_WORDS)} Care Home"


def care_home_address(layout: Layout, area: Area) -> tuple[str, str]:
    return _street_address(layout, area, _key(_K_CARE, area.care_home, 0))


def school_area(layout: Layout, auth: AuthorityLayout, secondary: bool, number: int) -> Area:
    catchment = SECONDARY_CATCHMENT if secondary else PRIMARY_CATCHMENT
    household = min(auth.hi - 1, auth.lo + number * catchment)
    return layout.area_of(household)


def workplace_area(layout: Layout, auth: AuthorityLayout, workplace: int) -> Area:
    return layout.areas[auth.first_area + (workplace * 2_654_435_761) % auth.n_areas]


def venue_type(number: int) -> str:
    return VENUE_PATTERN[number % len(VENUE_PATTERN)]


def _venue_name(rng: random.Random, kind: str, street: str) -> str:
    stem = street.split(" ")[0]
    if kind == "hospitality":
        if rng.random() < 0.5:
            return f"The {rngmod.pick(rng, PUB_FIRST)} {rngmod.pick(rng, PUB_SECOND)}"
        return f"{stem} {rngmod.pick(rng, CAFE_WORDS)}"
    if kind == "gym":
        return f"{stem} {rngmod.pick(rng, GYM_WORDS)}"
    if kind == "retail":
        return f"{rngmod.pick(rng, ALL_LAST_NAMES)} {rngmod.pick(rng, RETAIL_WORDS)}"
    if kind == "healthcare":
        return f"{stem} {rngmod.pick(rng, HEALTH_WORDS)}"
    u = rng.random()
    if u < 0.55:
        saint = rngmod.pick(rng, FIRST_NAMES_MALE + FIRST_NAMES_FEMALE)
        return f"St {saint}'s Church"
    if u < 0.8:
        return f"{stem} Mosque"
    if u < 0.9:
        return f"{stem} Gurdwara"
    return f"{stem} Mandir"


def iter_settings(layout: Layout) -> Iterator[SettingRow]:
    """Yield settings.csv rows: per authority care homes, schools, workplaces; then venues."""
    seed = layout.config.seed
    for auth in layout.authorities:
        la = LOCAL_AUTHORITIES[auth.index]
        for care in auth.care_homes:
            area = layout.areas[layout.care_home_areas[care]]
            line1, postcode = care_home_address(layout, area)
            yield (care_home_id(care), care_home_name(layout, care), "care_home", line1,
                   la.name, postcode, la.code)  # fmt: skip
        for secondary, count in ((False, auth.n_primary), (True, auth.n_secondary)):
            kind = _K_SECONDARY if secondary else _K_PRIMARY
            for number in range(count):
                area = school_area(layout, auth, secondary, number)
                line1, postcode = _street_address(layout, area, _key(kind, auth.index, number))
                stem = area.streets[number % len(area.streets)].split(" ")[0]
                name = f"{stem} {'Academy' if secondary else 'Primary School'}"
                yield (school_id(auth, secondary, number), name, "school", line1, la.name,
                       postcode, la.code)  # fmt: skip
        for workplace in range(auth.staff_units, auth.n_workplaces):
            area = workplace_area(layout, auth, workplace)
            key = _key(_K_WORK, auth.index, workplace)
            line1, postcode = _street_address(layout, area, key)
            rng = rngmod.derived(seed, rngmod.SETTING, key + 1)
            name = f"{rngmod.pick(rng, ALL_LAST_NAMES)} {rngmod.pick(rng, WORK_SUFFIXES)}"
            yield (workplace_id(auth, workplace), name, "workplace", line1, la.name, postcode,
                   la.code)  # fmt: skip
    for area in layout.areas:
        la = LOCAL_AUTHORITIES[area.la]
        for number in range(area.venues):
            key = _key(_K_VENUE, area.index, number)
            line1, postcode = _street_address(layout, area, key)
            vtype = venue_type(number)
            rng = rngmod.derived(seed, rngmod.SETTING, key + 1)
            name = _venue_name(rng, vtype, line1.split(" ", 1)[1])
            yield (venue_id(area.index, number), name, vtype, line1, la.name, postcode, la.code)
