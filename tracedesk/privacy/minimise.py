"""Field minimisation: each role sees only the fields of a record its work needs.

Driven by the field classification (``classification.py``): a role is given a
treatment for each level (personal, sensitive, not personal) and, on top of it, a
short list of fields it does not need although their level is shown. Read paths
ask two questions:

- ``visible_fields(user, model_label) -> frozenset[str]``: the fields of that model
  the user may see (templates test ``"nhs_number" in visible``; API schemas resolve
  withheld fields to ``null``).
- ``shape(user, model_label, row) -> dict``: one record (a mapping of field names to
  values) as that user may receive it: withheld fields removed, and for a role whose
  personal data is pseudonymised (analysts) the personal fields transformed by
  ``pseudonymise.pseudonymise_row``. Exports call this for every row.

The policy, and why:

- tracer: everything in scope except the NHS number. A call handler confirms identity
  by name, date of birth and address; the NHS number links to every other health
  record and is not needed to trace.
- supervisor, health protection: everything in scope (they merge duplicate people and
  link to clinical records).
- analyst: not-personal and sensitive fields; personal fields only pseudonymised (and
  every record id as a pseudonym).
- administrator: not-personal fields only.

Everyone: internal matching keys (``match_key``, blocking keys, dwelling keys) are
never shown; they are working copies of names and addresses.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Mapping
from typing import Any

from django.utils import timezone

from tracedesk.accounts.roles import Role
from tracedesk.privacy.classification import FIELDS, Level
from tracedesk.privacy.pseudonymise import pseudonymise_row


class Treatment(enum.StrEnum):
    SHOW = "show"
    PSEUDONYMISE = "pseudonymise"
    WITHHOLD = "withhold"


SHOW, PSEUDO, WITHHOLD = Treatment.SHOW, Treatment.PSEUDONYMISE, Treatment.WITHHOLD

BY_LEVEL: dict[str, dict[Level, Treatment]] = {
    Role.TRACER: {Level.NOT_PERSONAL: SHOW, Level.PERSONAL: SHOW, Level.SENSITIVE: SHOW},
    Role.SUPERVISOR: {Level.NOT_PERSONAL: SHOW, Level.PERSONAL: SHOW, Level.SENSITIVE: SHOW},
    Role.HEALTH_PROTECTION: {
        Level.NOT_PERSONAL: SHOW,
        Level.PERSONAL: SHOW,
        Level.SENSITIVE: SHOW,
    },
    Role.ANALYST: {Level.NOT_PERSONAL: SHOW, Level.PERSONAL: PSEUDO, Level.SENSITIVE: SHOW},
    Role.ADMIN: {Level.NOT_PERSONAL: SHOW, Level.PERSONAL: WITHHOLD, Level.SENSITIVE: WITHHOLD},
}

NEVER_SHOWN = frozenset(
    {"people.person.match_key", "people.address.dwelling_key", "linkage.blockingkey.key"}
)
WITHHELD: dict[str, frozenset[str]] = {
    Role.TRACER: frozenset({"people.person.nhs_number"}),
}


def treatment(role: str, model_label: str, field: str) -> Treatment:
    """Return how a role receives one field (unknown roles and fields: withheld)."""
    path = f"{model_label}.{field}"
    if path in NEVER_SHOWN or path in WITHHELD.get(role, frozenset()):
        return WITHHOLD
    level = FIELDS.get(model_label, {}).get(field)
    if level is None:
        return WITHHOLD
    return BY_LEVEL.get(role, {}).get(level, WITHHOLD)


def visible_fields(user: object, model_label: str) -> frozenset[str]:
    """Return the fields of ``model_label`` the user's role may see (as is or pseudonymised)."""
    role = getattr(user, "role", "")
    return frozenset(
        field
        for field in FIELDS.get(model_label, {})
        if treatment(role, model_label, field) != WITHHOLD
    )


def shape(
    user: object, model_label: str, row: Mapping[str, Any], *, on: dt.date | None = None
) -> dict[str, Any]:
    """Return one record as the user may receive it (see the module docstring).

    ``on`` is the date the record is about, for age bands (default: today).
    """
    role = getattr(user, "role", "")
    kept = {
        key: value
        for key, value in row.items()
        if treatment(role, model_label, key.removesuffix("_id")) != WITHHOLD
    }
    # A pseudonymised role gets every record id as a pseudonym too, even when no personal
    # field was asked for: a raw case id is a key back to the identifiable record.
    if PSEUDO in BY_LEVEL.get(role, {}).values():
        return pseudonymise_row(model_label, kept, on=on or timezone.localdate())
    return kept
