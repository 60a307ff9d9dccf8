"""Find the existing Person a set of details describes.

Deterministic for now (NHS number; else exact name and date of birth). The
probabilistic matcher of the matching issue replaces ``find_match`` behind the
same signature.
"""

from __future__ import annotations

from tracedesk.people.details import PersonDetails
from tracedesk.people.models import Person


def find_match(details: PersonDetails) -> Person | None:
    """Return the person these details certainly describe, or None."""
    if details.nhs_number:
        found = Person.objects.filter(nhs_number=details.nhs_number).order_by("pk").first()
        if found:
            return found
    if details.first_name and details.last_name and details.date_of_birth:
        return (
            Person.objects.filter(
                first_name__iexact=details.first_name,
                last_name__iexact=details.last_name,
                date_of_birth=details.date_of_birth,
            )
            .order_by("pk")
            .first()
        )
    return None
