"""How long each kind of record lives: the one table retention, its check and its docs read.

Three kinds of rule:

- ``Anonymise``: on the record's own clock, strip what identifies a person (and keep what
  is useful anonymised, e.g. a case's statistical record), then purge it when a grace
  period has passed. The grace period lets a mistake be noticed before anything is gone.
- ``Purge``: records with nothing worth keeping anonymised are deleted on their clock
  (venue check-ins after 21 days, login failures after 90).
- ``Follows``: the record lives and dies with a parent (a call attempt with its task, a
  follow-up with its contact); purging the parent purges it first.
- ``Exempt``: not removed by retention, with the reason (staff accounts, which the audit
  trail refers to for as long as it is kept).

A record is never deleted while a record that does not follow it still refers to it:
it waits for that record's own rule. Every model that holds personal or sensitive data
(``privacy/classification.py``) must have a rule: the system check ``retention.E001``
fails otherwise; ``retention.E002``-``E006`` check that periods are sane.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Q

DAY = dt.timedelta(days=1)
YEAR = dt.timedelta(days=365)
GRACE = 30 * DAY


@dataclass(frozen=True)
class Anonymise:
    model: str
    clock: str  # a date or datetime field (through relations with "__")
    after: dt.timedelta
    grace: dt.timedelta | None  # then purged; None: kept anonymised
    why: str
    only: Q = field(default_factory=Q)  # which rows this clock applies to
    follows: tuple[str, ...] = ()  # also purged with these parents
    clock_plus_setting: str = ""  # a setting of days added to the clock (isolation length)


@dataclass(frozen=True)
class Purge:
    model: str
    clock: str  # "" : no clock, as soon as ``only`` matches (orphaned rows)
    after: dt.timedelta
    why: str
    only: Q = field(default_factory=Q)
    follows: tuple[str, ...] = ()


@dataclass(frozen=True)
class Follows:
    model: str
    follows: tuple[str, ...]
    why: str


@dataclass(frozen=True)
class Exempt:
    model: str
    why: str


Rule = Anonymise | Purge | Follows | Exempt

CASE_YEARS = 8

RULES: list[Rule] = [
    # --- People and their records ---------------------------------------------------
    Anonymise(
        "cases.case",
        "latest_specimen_at",
        CASE_YEARS * YEAR + 2 * DAY,
        GRACE,
        "kept 8 years after the latest positive specimen (the period NHS Test and Trace "
        "used for case records), then reduced to an anonymised statistical record",
    ),
    Anonymise(
        "cases.contact",
        "last_exposure_date",
        21 * DAY,
        GRACE,
        "21 days after the contact's isolation ended (last exposure + TRACEDESK_ISOLATION_DAYS): "
        "long enough to trace onward if they turn positive, no longer",
        clock_plus_setting="ISOLATION_DAYS",
        follows=("cases.case",),
    ),
    Anonymise(
        "people.person",
        "created_at",
        21 * DAY,
        GRACE,
        "anonymised once every record about them is (and never within 21 days of being "
        "recorded); purged when nothing refers to them any more",
    ),
    Anonymise(
        "ingest.testresult",
        "received_at",
        90 * DAY,
        GRACE,
        "negative results: 90 days, enough to answer questions about the test; positive "
        "results live and die with their case",
        only=Q(case__isnull=True),
        follows=("cases.case",),
    ),
    Anonymise(
        "ingest.rejectedrecord",
        "batch__received_at",
        90 * DAY,
        None,
        "the rejected text is blanked after 90 days; the row stays so the batch still "
        "reconciles (read = accepted + duplicates + rejected)",
    ),
    Anonymise(
        "linkage.matchreview",
        "decided_at",
        90 * DAY,
        GRACE,
        "decided reviews: the explanation (both people's details) is blanked after 90 days",
        only=Q(decided_at__isnull=False),
        follows=("people.person",),
    ),
    Purge(
        "places.attendance",
        "attended_on",
        21 * DAY,
        "attendances not linked to a case: 21 days, as NHS venue check-in data; a case's "
        "attendances live with the case",
        only=Q(case__isnull=True),
        follows=("cases.case",),
    ),
    Purge(
        "linkage.matchdecision",
        "created_at",
        90 * DAY,
        "why the scorer linked, queued or created a person (candidates' details): 90 days",
        follows=("people.person",),
    ),
    Purge("places.checkin", "checked_in_at", 21 * DAY, "venue check-ins: 21 days"),
    Purge(
        "places.devicetoken",
        "first_seen_at",
        90 * DAY,
        "a check-in device's token: once its check-ins are gone and it is 90 days old",
        follows=("people.person",),
    ),
    Purge(
        "places.checkinrejection",
        "batch__received_at",
        90 * DAY,
        "rejected check-in lines: 90 days",
    ),
    Purge(
        "messaging.message",
        "created_at",
        90 * DAY,
        "messages sent: 90 days (delivery evidence for the isolation period and complaints)",
        follows=("people.person", "cases.case", "cases.contact", "tracing.tracingtask"),
    ),
    Purge(
        "selfservice.accesslink",
        "expires_at",
        30 * DAY,
        "self-service links: 30 days after they expire",
        follows=("people.person", "cases.case", "followup.followup"),
    ),
    Purge("selfservice.throttle", "window_start", 1 * DAY, "rate-limit counters: 1 day"),
    Purge(
        "people.household",
        "created_at",
        21 * DAY,
        "households nobody lives in any more (their members were anonymised)",
        only=Q(members__isnull=True),
    ),
    Purge(
        "people.address",
        "",
        dt.timedelta(0),
        "addresses no person, household or setting refers to any more",
        only=Q(residents__isnull=True, household__isnull=True, setting__isnull=True),
    ),
    Follows("tracing.tracingtask", ("cases.case", "cases.contact"), "work on a case or contact"),
    Follows("tracing.callattempt", ("tracing.tracingtask",), "calls made for a task"),
    Follows("tracing.interview", ("tracing.tracingtask",), "the interview of a task"),
    Follows(
        "followup.followup", ("cases.contact", "tracing.tracingtask"), "a contact's daily check-ins"
    ),
    Follows("ingest.testresultrevision", ("ingest.testresult",), "earlier values of a result"),
    Follows("linkage.blockingkey", ("people.person",), "matching keys (removed at anonymisation)"),
    Follows(
        "linkage.householdproposal",
        ("cases.case", "people.person", "cases.contact"),
        "a proposed household contact",
    ),
    Follows("people.personmerge", ("people.person",), "a merge of two people"),
    Follows("people.mergedlink", ("people.personmerge",), "what a merge moved"),
    Follows("clusters.clustercase", ("cases.case",), "a case's membership of a cluster"),
    Follows("clusters.casewindow", ("cases.case", "people.person"), "a case's exposure window"),
    Follows("clusters.caseexposure", ("cases.case",), "a case's exposures used by detection"),
    # --- Staff, security and the audit trail ------------------------------------------
    Purge(
        "audit.auditevent",
        "at",
        10 * YEAR,
        "on its own clock: 10 years, so the trail outlives the records it describes "
        "(8 years and a grace period) and can answer for them",
    ),
    Purge("audit.readalert", "period_end", 2 * YEAR, "read-volume alerts: 2 years"),
    Purge("accounts.loginfailure", "at", 90 * DAY, "failed sign-ins: 90 days"),
    Purge(
        "accounts.invitation", "expires_at", 90 * DAY, "account invitations: 90 days after expiry"
    ),
    Purge("worker.jobrun", "started_at", 90 * DAY, "worker run log (may quote errors): 90 days"),
    Purge(
        "tracing.tracerstatechange",
        "at",
        6 * YEAR,
        "tracers' availability: 6 years, the limitation period for contract disputes",
    ),
    Purge(
        "kpis.kpitracerhour",
        "hour",
        6 * YEAR,
        "tracers' hourly utilisation: 6 years, as the contract evidence it is",
    ),
    Exempt(
        "accounts.user", "staff accounts are disabled, never deleted: the audit trail names them"
    ),
    Exempt("accounts.tracerprofile", "part of a staff account"),
    Exempt("accounts.apitoken", "part of a staff account (revoked, not deleted)"),
    Exempt("accounts.recoverycode", "part of a staff account"),
    Exempt("accounts.sealedtotpdevice", "part of a staff account (its second factor)"),
    Exempt("contracts.forcemajeure", "a contract record; names the staff member who declared it"),
    Exempt("contracts.issuedstatement", "a contract record; names the staff member who issued it"),
    Exempt(
        "linkage.termfrequency",
        "how common each name is across everyone: counts, linked to no person",
    ),
]

BY_MODEL: dict[str, Rule] = {rule.model: rule for rule in RULES}


def parents_of(model: str) -> tuple[str, ...]:
    """Return the models whose purge also purges ``model``'s rows that refer to them."""
    rule = BY_MODEL.get(model)
    return () if rule is None or isinstance(rule, Exempt) else rule.follows
