"""Dwelling keys: which address records are the same home.

A household is the people living at one dwelling, so everything about households
starts with deciding whether two address records name the same dwelling. Sources
write the same home many ways: ``12 High Street`` / ``12 HIGH ST.``, ``Flat 3, 12
High St`` / line 1 ``12 High St`` with line 2 ``Apartment 3``, ``12a`` / ``12 A``.
`dwelling()` reduces an address to:

- ``building``: the house number or name with the street, normalised, and the full
  postcode (``12 HIGH ST|LS6 3AB``); empty when the address cannot identify a
  building (no house line, or a postcode cut to its outward code);
- ``flat``: the flat, apartment, unit or room number within it (``3``), or empty;
- ``key``: both together (``12 HIGH ST|LS6 3AB|3``), the dwelling's identity;
- ``uprn``: the Unique Property Reference Number when the source supplied one
  (digits only, at most 12), which identifies the dwelling better than any text.

Line 2 usually holds a flat or a locality (``Headingley``) that other sources leave
out, so only a flat designator is taken from it, or the street itself when line 1
holds nothing but the flat (``Flat 3`` / ``12 High Street``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Royal Mail's common street-type and designator abbreviations, one spelling each.
ABBREVIATIONS = {
    "STREET": "ST",
    "ROAD": "RD",
    "AVENUE": "AVE",
    "AV": "AVE",
    "LANE": "LN",
    "DRIVE": "DR",
    "CLOSE": "CL",
    "COURT": "CT",
    "CRESCENT": "CRES",
    "PLACE": "PL",
    "GARDENS": "GDNS",
    "TERRACE": "TER",
    "TERR": "TER",
    "SQUARE": "SQ",
    "GROVE": "GR",
    "PARK": "PK",
    "HILL": "HL",
    "WAY": "WY",
    "MEWS": "MWS",
    "PARADE": "PDE",
    "HOUSE": "HO",
    "BUILDINGS": "BLDGS",
    "MANSIONS": "MANS",
    "NORTH": "N",
    "SOUTH": "S",
    "EAST": "E",
    "WEST": "W",
    "SAINT": "ST",
}
FLAT_WORDS = r"FLAT|FLT|APARTMENT|APT|UNIT|ROOM|RM|STUDIO"
_FLAT = re.compile(rf"\b(?:{FLAT_WORDS})\b\.?\s*(?:NO\.?\s*)?([0-9]+[A-Z]?|[A-Z])\b")
_NUMBER_LETTER = re.compile(r"\b([0-9]+)\s+([A-Z])\b(?=\s+[A-Z]{2,})")
_UPRN = re.compile(r"^[0-9]{1,12}$")


@dataclass(frozen=True)
class Dwelling:
    building: str
    flat: str
    uprn: str

    @property
    def key(self) -> str:
        return f"{self.building}|{self.flat}" if self.building else ""


def normalise_uprn(text: str) -> str:
    """Return the UPRN's digits without leading zeros, or "" when it is not a UPRN."""
    digits = text.strip()
    return str(int(digits)) if _UPRN.match(digits) and int(digits) else ""


def _words(line: str) -> str:
    text = re.sub(r"['\u2019]", "", line.upper().replace("&", " AND "))
    text = re.sub(r"[^A-Z0-9 ]", " ", text)
    words = [ABBREVIATIONS.get(word, word) for word in text.split()]
    return _NUMBER_LETTER.sub(r"\1\2", " ".join(words))


def _without_flat(line: str) -> tuple[str, str]:
    match = _FLAT.search(line)
    if not match:
        return line, ""
    rest = (line[: match.start()] + " " + line[match.end() :]).strip()
    return re.sub(r"\s+", " ", rest), match.group(1)


def dwelling(line1: str, line2: str, postcode: str, uprn: str = "") -> Dwelling:
    """Return the dwelling an address names (see the module's docstring)."""
    first, flat1 = _without_flat(_words(line1))
    second, flat2 = _without_flat(_words(line2))
    flat = flat1 or flat2
    street = first if first else (second if flat1 else "")
    full_postcode = " " in postcode.strip()
    building = f"{street}|{postcode.strip().upper()}" if street and full_postcode else ""
    return Dwelling(building=building, flat=flat, uprn=normalise_uprn(uprn))
