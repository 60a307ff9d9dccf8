"""A demo contract covering the whole demo outbreak, with a statement for every month of it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from tracedesk.cases.models import Case
from tracedesk.contracts.actions import LevelTerms, create_contract, declare_force_majeure
from tracedesk.contracts.models import Contractor
from tracedesk.contracts.statements import compute_statement
from tracedesk.geography.models import Jurisdiction, Level

SOURCE = "demo"


def populate(*, seed: int) -> str:
    """Create the contract, declare two days of force majeure, and summarise last month."""
    nation = Jurisdiction.objects.filter(level=Level.NATION).order_by("pk").first()
    first_case = Case.objects.order_by("created_at").values_list("created_at", flat=True).first()
    if nation is None or first_case is None:
        return "Contracts: no outbreak loaded, no demo contract."
    contractor, _ = Contractor.objects.get_or_create(
        name="Demo Tracing Services Ltd", defaults={"companies_house_number": "00000000"}
    )
    starts_on = timezone.localtime(first_case).date().replace(day=1)
    contract = create_contract(
        contractor=contractor,
        reference=f"TT-DEMO-{seed}",
        title="National contact tracing service (demo)",
        jurisdiction=nation,
        starts_on=starts_on,
        monthly_charge=Decimal("1250000.00"),
        credit_rate_percent=Decimal("0.1"),
        cap_percent=Decimal("15"),
        levels=[
            LevelTerms("Cases reached within 24 hours", "cases_reached_24h", Decimal(80)),
            LevelTerms("Cases reached", "cases_reached", Decimal(80), weight=Decimal(2)),
            LevelTerms(
                "Contacts reached within 48 hours of their case's transfer",
                "contacts_reached_48h",
                Decimal(80),
                period="week",
                weight=Decimal("0.5"),
            ),
            LevelTerms(
                "Household contacts reached",
                "contacts_reached:household",
                Decimal(85),
                period="week",
                weight=Decimal("0.5"),
            ),
        ],
        actor=None,
        source=SOURCE,
    )
    last_month = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    if last_month < starts_on:
        last_month = starts_on
    declare_force_majeure(
        contract,
        starts_on=last_month + dt.timedelta(days=9),
        ends_on=last_month + dt.timedelta(days=10),
        reason="Telephony provider outage (demo)",
        actor=None,
        source=SOURCE,
    )
    statement = compute_statement(contract, last_month)
    failed = sum(1 for line in statement.lines if line.failed)
    # Last month issued by an administrator, when the demo has one: shown as issued, with
    # any difference a recomputation gives.
    from tracedesk.accounts.models import User
    from tracedesk.contracts.actions import issue_statement

    issuer = User.objects.filter(role="admin", is_active=True).order_by("pk").first()
    issued = ""
    if issuer is not None and last_month < timezone.localdate().replace(day=1):
        issue_statement(contract, last_month, actor=issuer, source=SOURCE)
        issued = ", issued"
    return (
        f"Contract {contract.reference}: {statement.month_label} statement has "
        f"{len(statement.lines)} lines, {failed} failed, service credit £{statement.totals.total:,}"
        f" of £{contract.monthly_charge:,}{issued} (see /contracts/{contract.pk}/)."
    )
