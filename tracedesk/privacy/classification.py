"""What every stored field reveals about a person: the one table that audit,
pseudonymisation and retention read.

- PERSONAL: identifies a person or is linked to one (names, contact details,
  dates of birth, record links to a person).
- SENSITIVE: special-category data (health, under UK GDPR Art. 9) about an
  identifiable person: infection, exposure, symptoms, call notes.
- NOT_PERSONAL: says nothing about any one person (ids of non-personal records,
  reference data, workflow metadata).

The system check ``privacy.E001`` fails when a model field is missing here, so a
new field cannot ship unclassified; ``privacy.E002`` when an entry names a field
that no longer exists.
"""

from __future__ import annotations

import enum


class Level(enum.StrEnum):
    PERSONAL = "personal"
    SENSITIVE = "sensitive"
    NOT_PERSONAL = "not_personal"


P, S, N = Level.PERSONAL, Level.SENSITIVE, Level.NOT_PERSONAL

# Apps whose models must all be classified (staff accounts are classified too:
# staff are people, and the 2020 incident that leaked 296 addresses was staff data).
# fmt: off
CLASSIFIED_APPS = (
    "geography", "accounts", "contracts", "audit", "people", "linkage", "ingest", "cases",
    "places", "tracing", "followup",
)

FIELDS: dict[str, dict[str, Level]] = {
    "geography.jurisdiction": {"id": N, "code": N, "name": N, "level": N, "parent": N, "path": N},
    "geography.postcodedistrict": {"id": N, "outward_code": N, "jurisdiction": N},
    "accounts.team": {"id": N, "name": N, "contractor": N},
    "accounts.user": {
        "id": N, "password": S, "last_login": P, "is_superuser": N, "username": P,
        "first_name": P, "last_name": P, "email": P, "is_staff": N, "is_active": N,
        "date_joined": P, "role": N, "jurisdictions": N, "team": N, "groups": N,
        "user_permissions": N,
    },
    "accounts.tracerprofile": {"id": N, "user": P, "languages": P, "skills": N, "contractor": N},
    "accounts.apitoken": {
        "id": N, "user": P, "name": N, "prefix": N, "key_hash": S, "created_at": N,
        "last_used_at": P, "revoked_at": N,
    },
    "contracts.contractor": {"id": N, "name": N, "companies_house_number": N},
    "audit.auditevent": {
        "id": N, "at": P, "actor": P, "actor_role": N, "source": N, "action": N,
        "object_type": N, "object_id": P, "object_ids": P, "purpose": N, "fields": N,
        "client_ip": P,
    },
    "people.address": {
        "id": N, "line1": P, "line2": P, "town": P, "postcode": P, "jurisdiction": N,
        "dwelling_key": P, "building_key": P, "uprn": P,
    },
    "people.household": {
        "id": N, "address": P, "jurisdiction": N, "created_at": N, "shared_residence": N,
    },
    "people.person": {
        "id": N, "nhs_number": P, "first_name": P, "last_name": P, "date_of_birth": P,
        "sex": P, "phone": P, "email": P, "preferred_language": P, "address": P,
        "household": P, "jurisdiction": N, "match_key": P, "created_at": N, "updated_at": N,
        "merged_into": P,
    },
    "people.personmerge": {
        "id": N, "survivor": P, "duplicate": P, "reason": P, "evidence": P, "merged_by": N,
        "merged_at": N, "undone_at": N, "undone_by": N,
    },
    "people.mergedlink": {
        "id": N, "merge": P, "model": N, "object_id": P, "field": N, "moved": N, "conflict": N,
    },
    "linkage.blockingkey": {"id": N, "person": P, "key": P},
    "linkage.termfrequency": {"id": N, "field": N, "value": P, "people": N},
    "linkage.matchdecision": {
        "id": N, "person": P, "outcome": N, "candidates": N, "chosen": P, "total": N,
        "explanation": P, "source": N, "created_at": N,
    },
    "linkage.householdproposal": {
        "id": N, "case": P, "person": P, "jurisdiction": N, "status": N, "contact": P,
        "created_at": N, "decided_at": N, "decided_by": N,
    },
    "linkage.matchreview": {
        "id": N, "person": P, "candidate": P, "jurisdiction": N, "total": N, "explanation": P,
        "status": N, "source": N, "created_at": N, "decided_at": N, "decided_by": N,
    },
    "ingest.testresult": {
        "id": N, "lab_code": N, "specimen_id": P, "test_code": N, "test_name": N,
        "result": S, "specimen_collected_at": S, "result_at": S, "received_at": N,
        "person": P, "case": S, "jurisdiction": N, "batch": N,
    },
    "ingest.ingestbatch": {
        "id": N, "source_name": N, "source_sha256": N, "source_size": N, "format": N,
        "channel": N, "lab_mapping": N, "status": N, "declared_count": N, "read_count": N,
        "accepted_count": N, "correction_count": N, "duplicate_count": N, "rejected_count": N,
        "positive_count": N, "resume_after": N, "warnings": N, "stopped_reason": N,
        "received_at": N, "finished_at": N, "created_by": N,
    },
    "ingest.rejectedrecord": {
        "id": N, "batch": N, "number": N, "field": N, "reason": P, "raw": S, "fields": S,
        "status": N, "resolved_result": S, "resolved_at": N, "resolved_by": N,
    },
    "ingest.testresultrevision": {
        "id": N, "test_result": S, "previous_result": S, "previous_result_at": S, "batch": N,
        "replaced_at": N,
    },
    "ingest.labmapping": {"id": N, "lab_code": N, "columns": N, "updated_at": N},
    "cases.case": {
        "id": N, "person": S, "jurisdiction": N, "status": S, "first_specimen_at": S,
        "latest_specimen_at": S, "onset_date": S, "is_complex": S, "created_at": N,
    },
    "cases.contact": {
        "id": N, "case": S, "person": S, "jurisdiction": N, "contact_type": S,
        "last_exposure_date": S, "proximity": S, "duration_minutes": S, "setting": S,
        "reported_at": N, "source_ref": N,
    },
    "places.setting": {
        "id": N, "name": N, "setting_type": N, "address": N, "jurisdiction": N,
        "external_ref": N,
    },
    "places.attendance": {
        "id": N, "setting": P, "person": P, "case": S, "jurisdiction": N, "attended_on": P,
        "arrived_at": P, "left_at": P, "source": N,
    },
    "tracing.tracingtask": {
        "id": N, "kind": N, "case": S, "contact": S, "setting": N, "jurisdiction": N,
        "priority": N, "due_by": N, "status": N, "assignee": N, "language": P,
        "required_skills": N, "created_at": N, "completed_at": N,
    },
    "tracing.callattempt": {
        "id": N, "task": S, "tracer": N, "started_at": N, "ended_at": N, "outcome": S,
        "callback_at": P, "notes": S,
    },
    "followup.followup": {
        "id": N, "contact": S, "jurisdiction": N, "due_on": S, "status": S,
        "has_symptoms": S, "symptoms": S, "completed_at": S,
    },
}
# fmt: on


def level_of(model_label: str, field_name: str) -> Level:
    """Return the classification of ``app_label.model``'s field (KeyError if unclassified)."""
    return FIELDS[model_label.lower()][field_name]


def fields_at(model_label: str, *levels: Level) -> list[str]:
    """Return the names of a model's fields classified at any of ``levels``."""
    return [name for name, level in FIELDS[model_label.lower()].items() if level in levels]
