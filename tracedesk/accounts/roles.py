"""Roles and the rights each one carries: the one table every permission check reads."""

from __future__ import annotations

import enum

from django.core.exceptions import PermissionDenied
from django.db import models


class Role(models.TextChoices):
    TRACER = "tracer", "Tracer"
    SUPERVISOR = "supervisor", "Supervisor"
    HEALTH_PROTECTION = "health_protection", "Health protection"
    ANALYST = "analyst", "Analyst"
    ADMIN = "admin", "Administrator"


class Right(enum.StrEnum):
    VIEW_PERSONAL = "view_personal"  # see identifiable people, cases, contacts in scope
    WORK_TASKS = "work_tasks"  # hold and work tracing tasks
    SUPERVISE = "supervise"  # see a team's queue and tracers, assign work
    MANAGE_OUTBREAKS = "manage_outbreaks"  # settings, clusters, complex cases
    VIEW_STATISTICS = "view_statistics"  # aggregate figures only
    MANAGE_USERS = "manage_users"  # users, teams, reference data
    INGEST_RESULTS = "ingest_results"  # upload laboratory feeds, correct rejected records
    REVIEW_MATCHES = "review_matches"  # decide probable duplicate people, merge them
    # Read the audit trail (who touched which record; never the records' values): the
    # whole trail and the read-volume alerts. Its own right, not MANAGE_USERS, so an
    # auditor or data-protection officer can hold it without managing accounts.
    AUDIT_TRAIL = "audit_trail"
    # See who accessed one record in your scope ("who accessed this" on a person's page).
    AUDIT_RECORDS = "audit_records"
    # Configure contracts, their service levels and credit schemes; declare force majeure.
    MANAGE_CONTRACTS = "manage_contracts"
    # Export whole lists of records (CSV, XLSX, Parquet): a bulk copy leaves the
    # system's audit and scope, so it is a right of its own.
    EXPORT_DATA = "export_data"
    # Export case and contact records pseudonymised (keyed pseudonyms, postcode districts,
    # age bands; no name, contact detail or NHS number): analysts' record-level data.
    EXPORT_PSEUDONYMISED = "export_pseudonymised"


RIGHTS: dict[str, frozenset[Right]] = {
    Role.TRACER: frozenset({Right.VIEW_PERSONAL, Right.WORK_TASKS}),
    Role.SUPERVISOR: frozenset(
        {
            Right.VIEW_PERSONAL,
            Right.WORK_TASKS,
            Right.SUPERVISE,
            Right.AUDIT_RECORDS,
            Right.VIEW_STATISTICS,
            Right.INGEST_RESULTS,
            Right.REVIEW_MATCHES,
            Right.EXPORT_DATA,
        }
    ),
    Role.HEALTH_PROTECTION: frozenset(
        {
            Right.VIEW_PERSONAL,
            Right.WORK_TASKS,
            Right.MANAGE_OUTBREAKS,
            Right.VIEW_STATISTICS,
            Right.INGEST_RESULTS,
            Right.REVIEW_MATCHES,
            Right.EXPORT_DATA,
        }
    ),
    # Analysts see aggregates, and records only pseudonymised: never an identifiable one.
    Role.ANALYST: frozenset({Right.VIEW_STATISTICS, Right.EXPORT_PSEUDONYMISED}),
    # Administrators run the system (users, teams, reference data) and do not
    # need to read patients' records to do it.
    Role.ADMIN: frozenset(
        {
            Right.MANAGE_USERS,
            Right.VIEW_STATISTICS,
            Right.AUDIT_TRAIL,
            Right.AUDIT_RECORDS,
            Right.MANAGE_CONTRACTS,
        }
    ),
}


def has_right(user: object, right: Right) -> bool:
    """Return whether an active, signed-in user's role carries ``right``."""
    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return False
    return right in RIGHTS.get(getattr(user, "role", ""), frozenset())


def require(user: object, right: Right) -> None:
    """Raise PermissionDenied (HTTP 403) unless the user's role carries ``right``."""
    if not has_right(user, right):
        raise PermissionDenied(f"Your role does not allow this ({right.value}).")
