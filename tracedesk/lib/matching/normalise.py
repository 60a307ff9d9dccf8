"""Put the values of a person record into the form that comparisons and blocking use."""

from __future__ import annotations

import functools
import re
import unicodedata

import jellyfish

from tracedesk.lib.identifiers import normalise_nhs_number, normalise_uk_phone
from tracedesk.lib.postcodes import PostcodeError, outward_code
from tracedesk.lib.postcodes import normalise_postcode as _standard_postcode

# Apostrophes join (O'Brien -> obrien); every other punctuation mark separates
# (Mary-Ann -> mary ann), so that hyphenated and spaced spellings compare alike.
_APOSTROPHES = str.maketrans("", "", "'\u2019\u02bc`")
_SPACES = re.compile(r"\s+")

SEX_WORDS = {
    "f": "female",
    "female": "female",
    "m": "male",
    "male": "male",
    "other": "other",
    "o": "other",
}


#: Names, postcodes and addresses repeat (a household, a street, a common surname), and
#: every comparison block re-reads its candidates: the pure normalisers are cached.
CACHED = 1 << 16


@functools.lru_cache(maxsize=CACHED)
def normalise_name(text: str) -> str:
    """Casefold a name, strip accents and punctuation and collapse spaces."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_APOSTROPHES))
    kept = []
    for char in decomposed:
        if unicodedata.combining(char):
            continue
        kept.append(char if char.isalnum() else " ")
    return _SPACES.sub(" ", "".join(kept)).strip()


@functools.lru_cache(maxsize=CACHED)
def phonetic_code(name: str) -> str:
    """Return the Metaphone code of a name (normalised first), or ``''`` for no name.

    Metaphone only knows Latin letters; for names in other scripts the code is the
    normalised name itself, so that such names still block and compare exactly.
    """
    compact = normalise_name(name).replace(" ", "")
    if not compact:
        return ""
    latin = "".join(char for char in compact if "a" <= char <= "z")
    code = jellyfish.metaphone(latin) if latin else ""
    return code or compact


@functools.lru_cache(maxsize=CACHED)
def normalise_postcode(text: str) -> str:
    """Upper-case a postcode with a single space before the inward code when it has one."""
    compact = _SPACES.sub(" ", text).strip().upper()
    if not compact:
        return ""
    try:
        return _standard_postcode(compact)
    except PostcodeError:
        return compact


def postcode_district(postcode: str) -> str:
    """Return the outward code (district) of a normalised postcode, or ``''``."""
    if not postcode:
        return ""
    try:
        return outward_code(postcode)
    except PostcodeError:
        return postcode.split(" ")[0] if " " in postcode else ""


def phone_digits(text: str) -> str:
    """Return a phone number as digits, UK numbers in national form (``07700900123``)."""
    # "+44 (0)7700 ..." writes the national trunk 0 that the +44 replaces.
    text = text.replace("(0)", "")
    national = normalise_uk_phone(text)
    return national or re.sub(r"\D", "", text)


def normalise_email(text: str) -> str:
    """Strip and casefold an e-mail address."""
    return text.strip().casefold()


def normalise_nhs(text: str) -> str:
    """Return an NHS number without spaces or dashes."""
    return normalise_nhs_number(text.strip())


def normalise_sex(text: str) -> str:
    """Return ``female``, ``male`` or ``other``; ``''`` for unknown or blank."""
    return SEX_WORDS.get(text.strip().casefold(), "")


def normalise_address(text: str) -> str:
    """Normalise an address line like a name (case, accents, punctuation, spaces)."""
    return normalise_name(text)
