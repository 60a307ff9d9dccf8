"""Retention: rules checked at start-up, anonymise first, purge after the grace period."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json

import pytest
import time_machine
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from tracedesk.audit.actions import record_event
from tracedesk.audit.models import Action, AuditEvent
from tracedesk.cases.models import Case, Contact
from tracedesk.ingest.actions import LabResult, record_test_result
from tracedesk.ingest.models import TestResult
from tracedesk.people.details import PersonDetails
from tracedesk.people.models import Address, Person
from tracedesk.privacy.pseudonymise import age_band
from tracedesk.retention import apply, checks, jobs, rules
from tracedesk.retention.models import CaseStatistic, RetentionMark
from tracedesk.testing.world import World
from tracedesk.tracing.models import TracingTask

DAY = dt.timedelta(days=1)


def _at(days: float) -> dt.datetime:
    return timezone.now() + days * DAY


def _run(days: float, *, dry_run: bool = False) -> apply.Report:
    moment = _at(days)
    with time_machine.travel(moment, tick=False):
        return apply.run(moment, dry_run=dry_run)


def _personal_text(person_id: int) -> str:
    person = Person.objects.get(pk=person_id)
    return " ".join(
        str(getattr(person, f)) for f in ("first_name", "last_name", "nhs_number", "phone", "email")
    )


# --- The rules and their check ----------------------------------------------------


def test_the_rules_pass_their_check() -> None:
    assert checks.check_rules() == []


def test_a_personal_model_without_a_rule_fails_the_check(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(rules.BY_MODEL, "cases.contact")
    monkeypatch.setattr(checks, "RULES", [r for r in rules.RULES if r.model != "cases.contact"])
    errors = checks.check_rules()
    assert [(e.id, e.msg) for e in errors if e.id == "retention.E001"] == [
        ("retention.E001", "cases.contact holds personal data but has no retention rule")
    ]
    # and the contact's followers now follow a model without a rule
    assert any(e.id == "retention.E004" and "follows cases.contact" in e.msg for e in errors)


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        (
            rules.Purge("places.checkin", "checked_in_at", dt.timedelta(0), "x"),
            "period 0:00:00 is outside",
        ),
        (
            rules.Purge("places.checkin", "checked_in_at", 200 * rules.YEAR, "x"),
            "is outside 1 day-100 years",
        ),
        (
            rules.Purge("places.checkin", "no_such_field", DAY, "x"),
            "clock 'no_such_field' is not a field",
        ),
        (
            rules.Anonymise("cases.contact", "last_exposure_date", DAY, dt.timedelta(0), "x"),
            "grace period",
        ),
        (
            rules.Follows("tracing.callattempt", ("cases.case",), "x"),
            "follows cases.case but has no link",
        ),
        (rules.Exempt("places.checkin", " "), "exempt without a reason"),
        (rules.Purge("audit.auditevent", "at", rules.YEAR, "x"), "the trail must outlive"),
    ],
)
def test_insane_rules_fail_the_check(
    monkeypatch: pytest.MonkeyPatch, rule: rules.Rule, message: str
) -> None:
    replaced = [rule if r.model == rule.model else r for r in rules.RULES]
    monkeypatch.setattr(checks, "RULES", replaced)
    monkeypatch.setattr(checks, "BY_MODEL", {r.model: r for r in replaced})
    assert any(message in e.msg for e in checks.check_rules()), checks.check_rules()


def test_a_rule_for_a_model_that_does_not_exist_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(checks, "RULES", [*rules.RULES, rules.Exempt("cases.gone", "x")])
    assert [e.msg for e in checks.check_rules()] == ["retention rule for cases.gone: no such model"]


def test_the_worker_runs_it_nightly() -> None:
    (job,) = jobs.JOBS
    assert (job.name, job.every) == ("retention.nightly", dt.timedelta(hours=24))


# --- Contacts: 21 days after isolation, then purged after the grace period -----------------


def test_a_contact_is_anonymised_21_days_after_isolation_then_purged(
    world: World, settings: object
) -> None:
    a = world.district("a")
    contact, person = a.contact, a.contact.person
    ends = (contact.last_exposure_date - timezone.localdate()).days + settings.ISOLATION_DAYS  # type: ignore[attr-defined]
    assert not _run(ends + 20)  # one day early: nothing at all

    report = _run(ends + 22)
    assert report["cases.contact: anonymised"] == 2  # both districts' contacts
    assert report["people.person: anonymised"] == 2  # their people have no other record
    person.refresh_from_db()
    assert (person.first_name, person.last_name, person.phone, person.address_id) == (
        "",
        "",
        "",
        None,
    )
    assert person.match_key == "" and not person.blocking_keys.exists()
    assert Contact.objects.filter(pk=contact.pk).exists()  # kept through the grace period
    assert "CaseA" in _personal_text(a.person.pk)  # the case's own person is untouched

    assert _run(ends + 22) == apply.Report()  # idempotent: the same night again does nothing
    report = _run(ends + 22 + 31)
    assert report["cases.contact: purged"] == 2
    assert report["tracing.tracingtask: purged"] == 2  # each contact's "reach" task went first
    assert report["people.person: purged"] == 2
    assert not Contact.objects.filter(pk=contact.pk).exists()
    assert not Person.objects.filter(pk=person.pk).exists()
    assert not RetentionMark.objects.filter(model="cases.contact").exists()
    assert Case.objects.filter(pk=a.case.pk).exists()
    # the case's person still lives at the address it shared with the contact
    assert a.person.address_id is not None
    assert Address.objects.filter(pk=a.person.address_id).exists()


def test_every_step_is_audited_by_id_never_by_value(world: World, settings: object) -> None:
    a = world.district("a")
    contact, person_id = a.contact, a.contact.person_id
    ends = (contact.last_exposure_date - timezone.localdate()).days + settings.ISOLATION_DAYS  # type: ignore[attr-defined]
    before = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first()
    _run(ends + 22)
    _run(ends + 22 + 31)
    events = AuditEvent.objects.filter(pk__gt=before, source="retention").order_by("pk")
    steps = {(e.object_type, e.action) for e in events}
    assert {("cases.contact", "update"), ("people.person", "update"), ("cases.contact", "delete"),
            ("people.person", "delete"), ("tracing.tracingtask", "delete")} <= steps  # fmt: skip
    about = [e for e in events if e.object_type == "people.person" and person_id in e.object_ids]
    assert [e.action for e in about] == ["update", "delete"]
    text = " ".join(f"{e.purpose} {e.object_ids} {e.fields}" for e in events)
    for value in ("ContactA", "Testperson", "LS6 3AB", "07700900001"):
        assert value not in text


def test_a_dry_run_reports_exactly_what_a_run_does_and_changes_nothing(world: World) -> None:
    before = (AuditEvent.objects.count(), Person.objects.count(), RetentionMark.objects.count())
    dry = _run(60, dry_run=True)
    assert dry and before == (
        AuditEvent.objects.count(),
        Person.objects.count(),
        RetentionMark.objects.count(),
    )
    assert "ContactA" in _personal_text(world.district("a").contact.person_id)
    assert _run(60) == dry


# --- Cases: 8 years, then an anonymised statistical record ----------------------------------


def test_a_case_becomes_a_statistic_after_8_years(world: World) -> None:
    a = world.district("a")
    case = a.case
    years = (rules.CASE_YEARS * 365 + 2) + (
        case.latest_specimen_at - timezone.now()
    ).total_seconds() / 86400
    assert "cases.case: anonymised" not in _run(years - 1)
    report = _run(years + 1)
    assert report["cases.case: anonymised"] == 2
    statistic = CaseStatistic.objects.get(jurisdiction=world.leeds)
    specimen_day = timezone.localdate(case.first_specimen_at)
    assert statistic.specimen_week == specimen_day - dt.timedelta(days=specimen_day.weekday())
    assert statistic.age_band == age_band(dt.date(1980, 1, 2), specimen_day)
    assert (statistic.contacts, statistic.status) == (1, case.status)
    result = TestResult.objects.get(case=case)
    assert result.specimen_id == f"anonymised-{result.pk}" and result.person_id is None
    assert _personal_text(a.person.pk).split() == []  # the case's person is anonymised too
    report = _run(years + 1 + 31)
    assert report["cases.case: purged"] == 2 and report["ingest.testresult: purged"] == 2
    assert not Case.objects.exists() and not TracingTask.objects.filter(case__isnull=False).exists()
    assert CaseStatistic.objects.count() == 2  # what is kept, for good


def test_a_record_still_referred_to_is_kept_until_its_referrer_goes(world: World) -> None:
    """A person named by a new, live contact is not purged with their old case."""
    from tracedesk.cases.actions import Exposure, add_contact

    a = world.district("a")
    years = rules.CASE_YEARS * 365 + 3
    later = _at(years)
    with time_machine.travel(later, tick=False):
        add_contact(
            world.district("b").case,
            PersonDetails(
                first_name="CaseA", last_name="Testperson", date_of_birth=dt.date(1980, 1, 2),
                nhs_number="9434765919", postcode="LS6 3AB", address_line1="1 A Street",
            ),
            Exposure(contact_type="social", last_exposure_date=later.date()),
            reported_at=later, actor=None, source="tests",
        )  # fmt: skip
    assert Contact.objects.filter(person=a.person).exists()
    report = _run(years + 1)
    assert report["cases.case: anonymised"] == 2
    assert "CaseA" in _personal_text(a.person.pk)  # a live contact keeps them identifiable
    report = _run(years + 1 + 31)
    assert report["cases.case: purged"] == 2
    assert Person.objects.filter(pk=a.person.pk).exists()  # still referred to by the new contact


# --- Negative results, audit events ---------------------------------------------------------


def test_negative_results_go_after_90_days(world: World) -> None:
    received = timezone.now()
    result, _ = record_test_result(
        LabResult(lab_code="LAB-TEST", specimen_id="NEG-1", test_code="94500-6", test_name="x",
                  result="negative", specimen_collected_at=received - DAY, result_at=received),
        PersonDetails(first_name="Neg", last_name="Ative", postcode="LS6 3AB"),
        fallback_jurisdiction=world.leeds, actor=None, source="tests",
    )  # fmt: skip
    assert result.case is None
    assert "ingest.testresult: anonymised" not in _run(89)
    assert _run(91)["ingest.testresult: anonymised"] == 1
    result.refresh_from_db()
    assert result.specimen_id == f"anonymised-{result.pk}"
    assert _run(91 + 31)["ingest.testresult: purged"] == 1
    assert not TestResult.objects.filter(pk=result.pk).exists()


def test_audit_events_are_kept_10_years_on_their_own_clock(world: World) -> None:
    old = world.district("a").person
    with time_machine.travel(_at(-10 * 365 - 5), tick=False), transaction.atomic():
        ancient = record_event(None, Action.VIEW, old, purpose="long ago", source="tests")
    report = _run(0)
    assert report["audit.auditevent: purged"] == 1
    assert not AuditEvent.objects.filter(pk=ancient.pk).exists()
    summary = AuditEvent.objects.get(source="retention", object_type="audit.auditevent")
    assert summary.action == "delete" and "purged 1 audit events" in summary.purpose


# --- The command ---------------------------------------------------------------------------


def test_the_command_prints_a_dry_run_report(world: World) -> None:
    out = io.StringIO()
    call_command("retention", "--dry-run", "--at", _at(60).isoformat(), stdout=out)
    text = out.getvalue()
    assert "records that would be changed" in text
    assert "cases.contact: anonymised" in text and "Dry run: nothing was changed." in text
    assert not RetentionMark.objects.exists()
    out = io.StringIO()
    call_command("retention", "--json", "--at", _at(60).isoformat(), stdout=out)
    assert json.loads(out.getvalue())["cases.contact: anonymised"] == 2
    out = io.StringIO()
    call_command("retention", "--rules", stdout=out)
    assert (
        "cases.case: anonymised 2922 days after latest_specimen_at, purged 30 days later"
        in out.getvalue()
    )


def test_the_command_refuses_a_bad_date(world: World) -> None:
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="--at: 'tomorrow' is not an ISO date-time"):
        call_command("retention", "--at", "tomorrow")


def test_rules_are_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        rules.RULES[0].why = ""  # type: ignore[misc]
