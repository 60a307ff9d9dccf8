"""Every write to contracts: one atomic function each, audited in the same transaction."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction

from tracedesk.accounts.models import signed_in
from tracedesk.audit.actions import record_event
from tracedesk.audit.models import Action
from tracedesk.contracts.models import Contract, Contractor, ForceMajeure, ServiceLevel
from tracedesk.geography.models import Jurisdiction


@transaction.atomic
def declare_force_majeure(
    contract: Contract,
    *,
    starts_on: dt.date,
    ends_on: dt.date,
    reason: str,
    actor: Any,
    source: str,
) -> ForceMajeure:
    """Declare a force-majeure period on a contract: its days leave every measurement."""
    period = ForceMajeure(
        contract=contract,
        starts_on=starts_on,
        ends_on=ends_on,
        reason=reason.strip(),
        declared_by=signed_in(actor),
    )
    period.full_clean()
    period.save()
    record_event(actor, Action.CREATE, period, purpose="declare force majeure", source=source)
    return period


@dataclass(frozen=True)
class LevelTerms:
    name: str
    kpi_key: str
    target_percent: Decimal
    period: str = "month"
    weight: Decimal = Decimal(1)
    direction: str = "at_least"


@transaction.atomic
def create_contract(
    *,
    contractor: Contractor,
    reference: str,
    title: str,
    jurisdiction: Jurisdiction,
    starts_on: dt.date,
    monthly_charge: Decimal,
    credit_rate_percent: Decimal,
    cap_percent: Decimal,
    levels: list[LevelTerms],
    actor: Any,
    source: str,
) -> Contract:
    """Create a contract and its service levels, validated, with one audit event each."""
    contract = Contract(
        contractor=contractor, reference=reference, title=title, jurisdiction=jurisdiction,
        starts_on=starts_on, monthly_charge=monthly_charge,
        credit_rate_percent=credit_rate_percent, cap_percent=cap_percent,
    )  # fmt: skip
    contract.full_clean()
    contract.save()
    record_event(actor, Action.CREATE, contract, purpose="create contract", source=source)
    for terms in levels:
        level = ServiceLevel(contract=contract, **terms.__dict__)
        level.full_clean()
        level.save()
        record_event(actor, Action.CREATE, level, purpose="create contract", source=source)
    return contract


@transaction.atomic
def issue_statement(contract: Contract, month: dt.date, *, actor: Any, source: str) -> Any:
    """Issue a complete month's statement: store its figures, files, hashes and data version.

    Refused (ValidationError naming ``month``) for a month not yet over or already issued.
    """
    from django.core.exceptions import ValidationError
    from django.utils import timezone

    from tracedesk.contracts import issued
    from tracedesk.contracts.models import IssuedStatement
    from tracedesk.contracts.statement_files import statement_csv, statement_pdf
    from tracedesk.contracts.statements import compute_statement, next_month

    first = month.replace(day=1)
    if next_month(first) > timezone.localdate():
        raise ValidationError({"month": f"{first:%B %Y} is not over yet: it cannot be issued."})
    # Lock the contract row: two people issuing the same month at once get one statement.
    Contract.objects.select_for_update().filter(pk=contract.pk).first()
    if IssuedStatement.objects.filter(contract=contract, month=first).exists():
        raise ValidationError({"month": f"The statement for {first:%B %Y} is already issued."})
    user = signed_in(actor)
    if user is None:
        raise ValidationError({"issued_by": "A statement is issued by a signed-in person."})
    statement = compute_statement(contract, first)
    csv_text, pdf = statement_csv(statement), statement_pdf(statement)
    record = IssuedStatement.objects.create(
        contract=contract,
        month=first,
        figures=issued.figures(statement),
        data_version=issued.data_version(statement),
        computed_at=statement.computed_at,
        issued_by=user,
        csv_text=csv_text,
        csv_sha256=issued.sha256(csv_text),
        pdf=pdf,
        pdf_sha256=issued.sha256(pdf),
    )
    record_event(actor, Action.CREATE, record, purpose="issue statement", source=source)
    return record
