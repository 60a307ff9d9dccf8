"""Pseudonymisation for analysts and exports: stable keyed pseudonyms, coarse places and ages.

Functions for any code that hands record-level data to someone who must not
identify people (analysts' views, exports, published extracts):

- ``pseudonym(kind, record_id) -> str``: a stable pseudonym such as ``P-3KQ9T2M7XW4C``
  for ``("person", 17)``. HMAC-SHA256 keyed with ``settings.PSEUDONYM_KEY`` (never the
  secret key), over the kind and the id, so the same person has the same pseudonym in
  every export and a case's pseudonym cannot be turned into a person's. Without the key
  it cannot be reversed or recomputed from an id; whoever holds the key can link
  pseudonyms back to records (this is pseudonymisation, not anonymisation: the output
  is still personal data under UK GDPR and is handled as such).
- ``postcode_district(postcode) -> str``: the outward code only ("LS6 3AB" → "LS6"),
  roughly 10,000 households; "" when the postcode is not a UK postcode.
- ``age_band(date_of_birth, on) -> str``: five-year bands "0-4" … "85-89", then "90+";
  "unknown" without a date of birth. Ages are computed on the date the data is about
  (a specimen date), not on the day of the export.
- ``pseudonymise_row(model_label, row, *, on) -> dict``: one record (a mapping of field
  names to values, e.g. from ``.values()``) with every field the classification marks
  personal either transformed by the rules below or dropped; sensitive and not-personal
  fields are kept (analysts need the health data; it no longer points at a person).

Masking a value (``07700 9*****``) is not pseudonymisation and is not offered.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
from collections.abc import Callable, Mapping
from typing import Any

from django.conf import settings

from tracedesk.lib.postcodes import PostcodeError, normalise_postcode
from tracedesk.privacy.classification import FIELDS, Level

PSEUDONYM_LENGTH = 12  # characters of base32: 60 bits, no collision at national scale in practice
OLDEST_BAND = 90
BAND_YEARS = 5

# The record kinds a pseudonym can name, and their prefixes.
KINDS = {"person": "P", "case": "C", "contact": "K", "setting": "S", "household": "H"}


def pseudonym(kind: str, record_id: int | None, *, key: str | None = None) -> str:
    """Return the stable keyed pseudonym of one record ("" for no record)."""
    if record_id is None:
        return ""
    if kind not in KINDS:
        raise ValueError(f"pseudonym: unknown kind {kind!r}; expected one of {sorted(KINDS)}")
    secret = (key or settings.PSEUDONYM_KEY).encode()
    digest = hmac.new(secret, f"{kind}:{int(record_id)}".encode(), hashlib.sha256).digest()
    return f"{KINDS[kind]}-{base64.b32encode(digest).decode()[:PSEUDONYM_LENGTH]}"


def postcode_district(postcode: str | None) -> str:
    """Return the outward code of a postcode ("" when it is not a postcode)."""
    try:
        return normalise_postcode(postcode or "").split(" ")[0]
    except PostcodeError:
        return ""


def age_on(date_of_birth: dt.date, on: dt.date) -> int:
    """Return the age in whole years on a date."""
    before_birthday = (on.month, on.day) < (date_of_birth.month, date_of_birth.day)
    return on.year - date_of_birth.year - before_birthday


def age_band(date_of_birth: dt.date | None, on: dt.date) -> str:
    """Return the five-year age band on ``on`` ("90+" at the top, "unknown" without a date)."""
    if date_of_birth is None or date_of_birth > on:
        return "unknown"
    age = age_on(date_of_birth, on)
    if age >= OLDEST_BAND:
        return f"{OLDEST_BAND}+"
    low = age - age % BAND_YEARS
    return f"{low}-{low + BAND_YEARS - 1}"


Transform = Callable[[Any, dt.date], tuple[str, Any]]


def _as(kind: str, name: str) -> Transform:
    return lambda value, on: (name, pseudonym(kind, value))


def _keep(name: str) -> Transform:
    return lambda value, on: (name, value)


# Personal fields analysts receive in a transformed form; every other personal field
# is dropped. Keyed "app_label.model.field"; the output may rename the field.
PSEUDONYMISED: dict[str, Transform] = {
    "people.person.id": _as("person", "person"),
    "people.person.date_of_birth": lambda value, on: ("age_band", age_band(value, on)),
    "people.person.sex": _keep("sex"),
    "people.person.household": _as("household", "household"),
    "people.address.postcode": lambda value, on: ("postcode_district", postcode_district(value)),
    "cases.case.id": _as("case", "case"),
    "cases.case.person": _as("person", "person"),
    "cases.contact.id": _as("contact", "contact"),
    "cases.contact.case": _as("case", "case"),
    "cases.contact.person": _as("person", "person"),
    "places.attendance.person": _as("person", "person"),
    "places.attendance.case": _as("case", "case"),
    "places.attendance.attended_on": _keep("attended_on"),
}


def _level(model_label: str, field: str) -> Level:
    # Paths through relations ("person__date_of_birth") are classified by their last model;
    # callers pass plain field names of ``model_label`` or "model.field" paths instead.
    return FIELDS[model_label][field]


def pseudonymise_row(model_label: str, row: Mapping[str, Any], *, on: dt.date) -> dict[str, Any]:
    """Return one record fit for an analyst: personal fields transformed or dropped.

    ``row`` maps field names of ``model_label`` (``"person"`` or ``"person_id"`` for a
    relation) to values; a key of another model may be given as ``"people.address.postcode"``.
    Record ids of personal records become pseudonyms; a field missing from the
    classification is an error (``KeyError`` naming it), never passed through.
    """
    out: dict[str, Any] = {}
    for key, value in row.items():
        if key.count(".") == 2:
            label, field = key.rsplit(".", 1)
        else:
            label, field = model_label, key.removesuffix("_id")
        path = f"{label}.{field}"
        transform = PSEUDONYMISED.get(path)
        if transform is not None:
            name, shown = transform(value, on)
            out[name] = shown
            continue
        try:
            level = _level(label, field)
        except KeyError:
            raise KeyError(f"{path} is not classified: cannot decide whether to show it") from None
        if level != Level.PERSONAL:
            out[field if key.count(".") != 2 else path.replace(".", "_")] = value
    return out
