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
    "places", "tracing", "followup", "clusters", "kpis", "messaging", "selfservice", "worker",
    "retention", "exports",
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
    "accounts.loginfailure": {"id": N, "username": P, "ip_address": P, "at": P},
    "accounts.invitation": {
        "id": N, "user": P, "key_hash": S, "created_by": P, "created_at": N, "expires_at": N,
        "used_at": P,
    },
    "accounts.recoverycode": {"id": N, "user": P, "code_hash": S, "created_at": N, "used_at": P},
    # django-otp's TOTP table, through tracedesk's proxy: the secret is stored encrypted.
    "accounts.sealedtotpdevice": {
        "id": N, "user": P, "name": N, "confirmed": N, "key": S, "step": N, "t0": N,
        "digits": N, "tolerance": N, "drift": N, "last_t": P, "created_at": N,
        "last_used_at": P, "throttling_failure_timestamp": P, "throttling_failure_count": N,
    },
    "contracts.contractor": {"id": N, "name": N, "companies_house_number": N},
    "contracts.contract": {
        "id": N, "contractor": N, "reference": N, "title": N, "jurisdiction": N, "starts_on": N,
        "ends_on": N, "monthly_charge": N, "credit_rate_percent": N, "cap_percent": N,
    },
    "contracts.servicelevel": {
        "id": N, "contract": N, "name": N, "kpi_key": N, "target_percent": N, "direction": N,
        "period": N, "weight": N,
    },
    "contracts.forcemajeure": {
        "id": N, "contract": N, "starts_on": N, "ends_on": N, "reason": N, "declared_by": P,
        "declared_at": N,
    },
    # Figures of a contract's month, as issued (counts and money, never a person).
    "contracts.issuedstatement": {
        "id": N, "contract": N, "month": N, "figures": N, "data_version": N, "computed_at": N,
        "issued_at": N, "issued_by": P, "csv_text": N, "csv_sha256": N, "pdf": N,
        "pdf_sha256": N,
    },
    "audit.auditevent": {
        "id": N, "at": P, "actor": P, "actor_role": N, "source": N, "action": N,
        "object_type": N, "object_id": P, "object_ids": P, "purpose": N, "fields": N,
        "client_ip": P, "outcome": N,
    },
    # Retention's own tables: which record ids were anonymised, and anonymised case counts.
    "retention.retentionmark": {"id": N, "model": N, "object_id": N, "anonymised_at": N},
    "retention.casestatistic": {
        "id": N, "jurisdiction": N, "specimen_week": N, "age_band": N, "sex": N, "status": N,
        "is_complex": N, "contacts": N, "anonymised_at": N,
    },
    "audit.readalert": {
        "id": N, "user": P, "kind": N, "role": N, "period_start": N, "period_end": N, "reads": P,
        "peers": N, "peer_median": N, "peer_mad": N, "threshold": N, "created_at": N,
        "acknowledged_at": N, "acknowledged_by": N, "note": P,
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
        "arrived_at": P, "left_at": P, "source": N, "event": P,
    },
    "places.event": {
        "id": N, "setting": N, "name": N, "starts_at": N, "ends_at": N,
        "expected_attendance": N, "jurisdiction": N,
    },
    # A check-in token is a pseudonymous identifier of a phone or app install.
    "places.devicetoken": {"id": N, "token": P, "person": P, "linked_at": N, "first_seen_at": N},
    "places.checkinbatch": {
        "id": N, "source_name": N, "source_sha256": N, "source_size": N, "channel": N,
        "status": N, "read_count": N, "accepted_count": N, "duplicate_count": N,
        "rejected_count": N, "new_token_count": N, "resume_after": N, "stopped_reason": N,
        "received_at": N, "finished_at": N, "created_by": N,
    },
    "places.checkin": {"id": N, "setting": P, "token": P, "checked_in_at": P, "batch": N},
    "places.checkinrejection": {"id": N, "batch": N, "line": N, "field": N, "reason": N, "raw": P},
    "places.settingday": {"id": N, "setting": N, "day": N, "checkins": N},
    "clusters.cluster": {
        "id": N, "setting": N, "jurisdiction": N, "status": N, "first_exposure_on": N,
        "last_exposure_on": N, "case_count": N, "household_count": N, "expected_count": N,
        "attendee_count": N, "score": N, "proposed_at": N, "updated_at": N, "second_case_at": N,
        "decided_at": N, "decided_by": N, "decision_note": N, "attendees_notified": N,
        "merged_into": N,
    },
    "clusters.clustercase": {
        "id": N, "cluster": S, "case": S, "first_exposed_on": S, "last_exposed_on": S,
        "household_key": P, "added_at": N,
    },
    "clusters.clusterlog": {"id": N, "cluster": N, "at": N, "kind": N, "actor": N, "text": N},
    "clusters.detectionrun": {
        "id": N, "started_at": N, "as_of": N, "finished_at": N, "last_attendance_id": N,
        "last_checkin_id": N, "last_link_at": N, "cases_scanned": N, "exposures_added": N,
        "settings_examined": N, "clusters_proposed": N, "clusters_grown": N,
    },
    "clusters.casewindow": {
        "id": N, "case": S, "person": P, "household_key": P, "window_from": S,
        "window_until": S, "run": N, "starts_at": S, "ends_at": S, "onset_on": S,
        "specimen_at": S,
    },
    "clusters.caseexposure": {"id": N, "case": S, "setting": S, "exposed_on": S, "source": N},
    "tracing.tracingtask": {
        "id": N, "kind": N, "case": S, "contact": S, "setting": N, "jurisdiction": N,
        "priority": N, "due_by": N, "status": N, "assignee": N, "language": P,
        "required_skills": N, "created_at": N, "completed_at": N, "available_from": N,
        "claimed_at": N, "escalation": S,
    },
    "tracing.tracerstatechange": {"id": N, "user": P, "state": P, "at": P},
    "tracing.interview": {
        "id": N, "task": S, "tracer": N, "script": N, "script_version": N,
        "identity_confirmed": S, "has_symptoms": S, "onset_date": S,
        "isolation_advice_given": S, "settings_recorded": S, "contacts_recorded": S,
        "completed_at": N,
    },
    "tracing.callattempt": {
        "id": N, "task": S, "tracer": N, "started_at": N, "ended_at": N, "outcome": S,
        "callback_at": P, "notes": S,
    },
    "followup.followup": {
        "id": N, "contact": S, "jurisdiction": N, "due_on": S, "status": S,
        "has_symptoms": S, "symptoms": S, "completed_at": S, "needs_support": S,
        "support_needs": S, "call_task": S,
    },
    "messaging.message": {
        "id": N, "person": P, "jurisdiction": N, "case": S, "contact": S, "channel": P,
        "address": P, "template": S, "purpose": S, "subject": S, "body": S, "status": P,
        "attempts": N, "next_attempt_at": N, "claim": N, "gateway": N, "provider_ref": N,
        "error": N, "created_at": P, "sent_at": P, "delivered_at": P, "failed_at": P,
        "call_task": S,
    },
    "selfservice.accesslink": {
        "id": N, "kind": S, "person": P, "jurisdiction": N, "case": S, "follow_up": S,
        "token_hash": N, "created_at": P, "expires_at": N, "failed_checks": N, "locked_at": N,
        "verified_at": P, "used_at": P,
    },
    "selfservice.throttle": {"id": N, "key": P, "window_start": N, "hits": N},
    "worker.jobschedule": {"id": N, "name": N, "next_run_at": N, "holder": N, "held_until": N},
    "worker.jobrun": {
        "id": N, "name": N, "worker": N, "dry_run": N, "started_at": N, "finished_at": N,
        "counts": N, "error": P,  # an exception's message may quote a record
    },
    # KPI summaries: counts per day and area, never a person; tracer time per hour is staff data.
    "kpis.kpicell": {
        "id": N, "day": N, "jurisdiction_id": N, "team_id": N, "contractor_id": N, "subject": N,
        "is_complex": N, "is_household": N, "measure": N, "hours": N, "n": N, "seconds": N,
    },
    "kpis.kpiareacell": {
        "id": N, "day": N, "jurisdiction_id": N, "subject": N, "is_complex": N,
        "is_household": N, "measure": N, "hours": N, "n": N, "seconds": N,
    },
    "kpis.kpitracerhour": {
        "id": N, "hour": P, "tracer_id": P, "team_id": N, "contractor_id": N,
        "busy_seconds": P, "available_seconds": P,
    },
    "kpis.kpirefreshstate": {"id": N, "name": N, "audit_event_id": N, "refreshed_at": N},
    # When a token was last confirmed by its holder's password; deleted with the token.
    "exports.tokenconfirmation": {"id": N, "token": N, "confirmed_at": N},
}
# fmt: on


def level_of(model_label: str, field_name: str) -> Level:
    """Return the classification of ``app_label.model``'s field (KeyError if unclassified)."""
    return FIELDS[model_label.lower()][field_name]


def fields_at(model_label: str, *levels: Level) -> list[str]:
    """Return the names of a model's fields classified at any of ``levels``."""
    return [name for name, level in FIELDS[model_label.lower()].items() if level in levels]
