"""Built-in geography: real ONS GSS codes for England, three regions and six local authorities."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .names import LANGUAGES
from .rng import Weighted

# Inward-code unit letters: Royal Mail never uses C, I, K, M, O or V there.
UNIT_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
POSTCODE_RE = re.compile(r"^[A-Z]{1,2}[0-9][0-9A-Z]? [0-9][ABD-HJLNP-UW-Z]{2}$")


@dataclass(frozen=True, slots=True)
class Region:
    code: str
    name: str


@dataclass(frozen=True, slots=True)
class LocalAuthority:
    code: str
    name: str
    region: str
    population: int
    """Approximate ONS mid-2019 estimate; used only as a weight."""
    districts: tuple[str, ...]
    """Postcode districts (outward codes) given to this authority's households and settings."""
    lab_code: str
    """Lab that processes in-person tests from this authority."""
    language_boost: tuple[tuple[str, float], ...] = ()
    """Multipliers on the national language weights, e.g. Urdu in Bradford."""


NATION_CODE = "E92000001"
NATION_NAME = "England"

REGIONS: tuple[Region, ...] = (
    Region("E12000002", "North West"),
    Region("E12000003", "Yorkshire and The Humber"),
    Region("E12000007", "London"),
)


def _districts(area: str, numbers: str) -> tuple[str, ...]:
    return tuple(f"{area}{n}" for n in numbers.split())


LOCAL_AUTHORITIES: tuple[LocalAuthority, ...] = (
    LocalAuthority(
        "E08000003", "Manchester", "E12000002", 552_858,
        _districts("M", "1 2 4 8 9 11 12 13 14 15 16 18 19 20 21 22 23 40"),
        "LAB-ALDERLEY-01", (("ur", 2.5), ("ar", 2.0), ("pl", 1.5), ("so", 3.0)),
    ),
    LocalAuthority(
        "E08000012", "Liverpool", "E12000002", 498_042,
        _districts("L", "1 2 3 4 5 6 7 8 11 12 13 15 16 17 18 19 24 25 27"),
        "LAB-ALDERLEY-01", (("ar", 1.5), ("so", 3.0), ("pl", 1.2)),
    ),
    LocalAuthority(
        "E08000035", "Leeds", "E12000003", 793_139,
        _districts("LS", "1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 25 26 27 28"),
        "LAB-LEEDS-01", (("pl", 1.5), ("ur", 1.5), ("ro", 1.5)),
    ),
    LocalAuthority(
        "E08000032", "Bradford", "E12000003", 539_776,
        _districts("BD", "1 2 3 4 5 6 7 8 9 10 12 13 14 15 16 17 18"),
        "LAB-LEEDS-01", (("ur", 8.0), ("pa", 6.0), ("pl", 1.5), ("bn", 1.5)),
    ),
    LocalAuthority(
        "E09000007", "Camden", "E12000007", 270_029,
        ("NW1", "NW3", "NW5", "NW6", "WC1H", "WC1N", "WC1X"),
        "LAB-LONDON-01", (("bn", 5.0), ("so", 4.0), ("ar", 2.0), ("pt", 2.0)),
    ),
    LocalAuthority(
        "E09000012", "Hackney", "E12000007", 281_120,
        _districts("E", "5 8 9"),
        "LAB-LONDON-01", (("tr", 12.0), ("pl", 1.5), ("pt", 3.0), ("bn", 2.0), ("ro", 2.0)),
    ),
)  # fmt: skip

LA_BY_CODE: dict[str, LocalAuthority] = {la.code: la for la in LOCAL_AUTHORITIES}

# Lighthouse labs take home-test kits; the others are the regional in-person labs.
HOME_TEST_LABS: tuple[str, ...] = ("LAB-MILTONKEYNES-01", "LAB-ALDERLEY-01", "LAB-GLASGOW-01")
LAB_PREFIX: dict[str, str] = {
    "LAB-MILTONKEYNES-01": "MK",
    "LAB-ALDERLEY-01": "AP",
    "LAB-GLASGOW-01": "GL",
    "LAB-LEEDS-01": "LD",
    "LAB-LONDON-01": "LN",
}

# SARS-CoV-2 LOINC codes with their long common names, weighted by how often labs reported them.
TEST_CODES = Weighted(
    (
        ("94500-6", "SARS-CoV-2 (COVID-19) RNA [Presence] in Respiratory specimen by NAA with "
         "probe detection"),
        ("94309-2", "SARS-CoV-2 (COVID-19) RNA [Presence] in Specimen by NAA with probe detection"),
        ("94558-4", "SARS-CoV-2 (COVID-19) Ag [Presence] in Respiratory specimen by Rapid "
         "immunoassay"),
        ("94534-5", "SARS-CoV-2 (COVID-19) RdRp gene [Presence] in Respiratory specimen by NAA "
         "with probe detection"),
    ),
    (85.0, 8.0, 4.0, 3.0),
)  # fmt: skip
TEST_NAMES = dict(TEST_CODES.items)


def language_weights(la: LocalAuthority, base: tuple[float, ...]) -> list[float]:
    """Return the national language weights adjusted for one authority."""
    boost = dict(la.language_boost)
    return [w * boost.get(code, 1.0) for code, w in zip(LANGUAGES, base, strict=True)]


def unit_code(sector: int, unit: int) -> str:
    """Return an inward code (``5AB``) for a sector digit and a unit number below 400."""
    first, second = divmod(unit % (len(UNIT_LETTERS) ** 2), len(UNIT_LETTERS))
    return f"{sector}{UNIT_LETTERS[first]}{UNIT_LETTERS[second]}"


def geography_rows() -> list[tuple[str, str, str, str, str]]:
    """Return the rows of geography.csv: nation, regions, then local authorities."""
    rows = [(NATION_CODE, NATION_NAME, "nation", "", "")]
    rows += [(r.code, r.name, "region", NATION_CODE, "") for r in REGIONS]
    rows += [
        (la.code, la.name, "local_authority", la.region, " ".join(la.districts))
        for la in LOCAL_AUTHORITIES
    ]
    return rows
