"""A generated month of tracing work with known outcomes, for the statement tests."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

from tracedesk.cases.models import Case
from tracedesk.contracts.models import Contract, Contractor, ForceMajeure, ServiceLevel
from tracedesk.geography.models import Jurisdiction
from tracedesk.people.models import Person
from tracedesk.tracing.models import TaskKind, TaskStatus, TracingTask

LONDON = ZoneInfo("Europe/London")
NEVER = None


def add_case(
    jurisdiction: Jurisdiction, created_at: dt.datetime, reached_after: dt.timedelta | None
) -> Case:
    """A case transferred at ``created_at``, reached ``reached_after`` later (None: never)."""
    person = Person.objects.create(
        first_name="Generated", last_name="Case", jurisdiction=jurisdiction
    )
    case = Case.objects.create(
        person=person,
        jurisdiction=jurisdiction,
        first_specimen_at=created_at - dt.timedelta(days=1),
        latest_specimen_at=created_at - dt.timedelta(days=1),
        created_at=created_at,
    )
    done = reached_after is not None
    TracingTask.objects.create(
        kind=TaskKind.REACH_CASE,
        case=case,
        jurisdiction=jurisdiction,
        due_by=created_at + dt.timedelta(hours=24),
        status=TaskStatus.DONE if done else TaskStatus.OPEN,
        created_at=created_at,
        completed_at=created_at + reached_after if reached_after is not None else None,
    )
    return case


def add_week(
    jurisdiction: Jurisdiction, monday: dt.date, outcomes: list[tuple[int, dt.timedelta | None]]
) -> list[Case]:
    """Spread cases over a week at 09:00 local: ``outcomes`` is [(how many, reached after)]."""
    cases, n = [], 0
    for count, reached_after in outcomes:
        for _ in range(count):
            day = monday + dt.timedelta(days=n % 7)
            created = dt.datetime.combine(day, dt.time(9, 0), tzinfo=LONDON)
            cases.append(add_case(jurisdiction, created, reached_after))
            n += 1
    return cases


def example_contract(jurisdiction: Jurisdiction) -> Contract:
    """The contract of the hand-checked example (test_statement.py's docstring)."""
    contract = Contract.objects.create(
        contractor=Contractor.objects.create(name="Example Outsourcing plc"),
        reference="TT-2021-001",
        title="Contact tracing for Leeds",
        jurisdiction=jurisdiction,
        starts_on=dt.date(2021, 1, 1),
        monthly_charge=Decimal("987654.32"),
        credit_rate_percent=Decimal("1.5"),
        cap_percent=Decimal("12"),
    )
    ServiceLevel.objects.create(
        contract=contract, name="SL1 cases reached within 24 hours",
        kpi_key="cases_reached_24h", target_percent=Decimal(80), period="month",
        weight=Decimal(1),
    )  # fmt: skip
    ServiceLevel.objects.create(
        contract=contract, name="SL2 cases reached", kpi_key="cases_reached",
        target_percent=Decimal(95), period="week", weight=Decimal("0.5"),
    )  # fmt: skip
    ServiceLevel.objects.create(
        contract=contract, name="SL3 cases reached within 72 hours",
        kpi_key="cases_reached_72h", target_percent=Decimal(85), period="month",
        weight=Decimal(2),
    )  # fmt: skip
    ForceMajeure.objects.create(
        contract=contract, starts_on=dt.date(2021, 2, 15), ends_on=dt.date(2021, 2, 21),
        reason="Flood closed the call centre",
    )  # fmt: skip
    return contract


def example_month(leeds: Jurisdiction, camden: Jurisdiction) -> None:
    """February 2021 (Monday 1st to Sunday 28th): four weeks of cases in Leeds, and noise."""
    hours = dt.timedelta(hours=1)
    add_week(leeds, dt.date(2021, 2, 1), [(14, 2 * hours), (4, 30 * hours), (2, NEVER)])
    add_week(leeds, dt.date(2021, 2, 8), [(18, 2 * hours), (2, 50 * hours)])
    add_week(leeds, dt.date(2021, 2, 15), [(2, 2 * hours), (18, NEVER)])  # force majeure
    add_week(leeds, dt.date(2021, 2, 22), [(14, 2 * hours), (5, NEVER)])
    # The 20th case of week 4 arrives at 23:30 on the last evening and is reached at once.
    add_case(leeds, dt.datetime(2021, 2, 28, 23, 30, tzinfo=LONDON), hours)
    # Outside the statement: the next month, and another area.
    add_case(leeds, dt.datetime(2021, 3, 1, 0, 30, tzinfo=LONDON), NEVER)
    add_case(leeds, dt.datetime(2021, 1, 31, 23, 30, tzinfo=LONDON), NEVER)
    add_week(camden, dt.date(2021, 2, 1), [(10, NEVER)])
