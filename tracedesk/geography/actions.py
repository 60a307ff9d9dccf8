"""Writes to the geography: reference data, audited like everything else."""

from __future__ import annotations

from django.db import transaction

from tracedesk.audit.actions import record_event
from tracedesk.audit.models import Action
from tracedesk.geography.models import Jurisdiction, PostcodeDistrict


@transaction.atomic
def upsert_jurisdiction(
    *,
    code: str,
    name: str,
    level: str,
    parent_code: str,
    postcode_districts: list[str],
    actor: object,
    source: str,
) -> tuple[Jurisdiction, bool]:
    """Create or update a jurisdiction (parents first) and the postcode districts it serves."""
    parent = Jurisdiction.objects.get(code=parent_code) if parent_code else None
    jurisdiction = Jurisdiction.objects.filter(code=code).first()
    created = jurisdiction is None
    if jurisdiction is None:
        jurisdiction = Jurisdiction(code=code)
    jurisdiction.name, jurisdiction.level, jurisdiction.parent = name, level, parent
    jurisdiction.full_clean()
    jurisdiction.save()
    for outward in postcode_districts:
        PostcodeDistrict.objects.update_or_create(
            outward_code=outward, defaults={"jurisdiction": jurisdiction}
        )
    record_event(
        actor,
        Action.CREATE if created else Action.UPDATE,
        jurisdiction,
        purpose="geography reference data",
        source=source,
    )
    return jurisdiction, created
