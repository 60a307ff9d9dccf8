"""Contracts, their monthly statements and the drill-down to the records behind a failure."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from tracedesk.accounts.decorators import requires
from tracedesk.accounts.roles import Right, has_right
from tracedesk.audit.reads import audit_read
from tracedesk.contracts import issued
from tracedesk.contracts.access import contract_for, contracts_for
from tracedesk.contracts.actions import declare_force_majeure, issue_statement
from tracedesk.contracts.measures import kpi_label
from tracedesk.contracts.models import Contract
from tracedesk.contracts.statement_files import money
from tracedesk.contracts.statements import (
    Statement,
    compute_statement,
    find_line,
    next_month,
    parse_month,
    records_behind,
)

DRILLDOWN_PAGE = 100


def _month(text: str) -> dt.date:
    try:
        return parse_month(text)
    except ValidationError:
        raise Http404("No such month.") from None


def months_of(contract: Contract, today: dt.date) -> list[dt.date]:
    """Return the months a statement can be drawn for, newest first (up to 24)."""
    last = today.replace(day=1)
    if contract.ends_on is not None:
        last = min(last, contract.ends_on.replace(day=1))
    months, month = [], contract.starts_on.replace(day=1)
    while month <= last:
        months.append(month)
        month = next_month(month)
    return months[::-1][:24]


@require_safe
@requires(Right.VIEW_STATISTICS)
def contract_list(request: HttpRequest) -> HttpResponse:
    """Contracts covering an area in scope."""
    contracts = contracts_for(request.user).order_by("reference")
    return render(request, "contracts/contract_list.html", {"contracts": contracts})


@require_safe
@requires(Right.VIEW_STATISTICS)
def contract_detail(request: HttpRequest, contract_id: int) -> HttpResponse:
    """A contract: its terms, service levels, force majeure and monthly statements."""
    contract = contract_for(request.user, contract_id)
    levels = [(level, kpi_label(level.kpi_key)) for level in contract.service_levels.all()]
    return render(
        request,
        "contracts/contract_detail.html",
        {
            "contract": contract,
            "levels": levels,
            "force_majeure": contract.force_majeure.all(),
            "months": months_of(contract, timezone.localdate()),
            "can_manage": has_right(request.user, Right.MANAGE_CONTRACTS),
        },
    )


def _statement(request: HttpRequest, contract_id: int, month: str) -> Statement:
    contract = contract_for(request.user, contract_id)
    return compute_statement(contract, _month(month))


@require_safe
@requires(Right.VIEW_STATISTICS)
def statement_page(request: HttpRequest, contract_id: int, month: str) -> HttpResponse:
    """The month's statement: every service level measured, priced and capped.

    Once issued, the issued figures are shown as the statement, with any difference a
    recomputation from today's records gives listed beside them.
    """
    statement = _statement(request, contract_id, month)
    record = issued.issued_for(statement.contract, statement.month)
    changes = issued.differences(record.figures, issued.figures(statement)) if record else []
    first = statement.month
    return render(
        request,
        "contracts/statement.html",
        {
            "statement": statement,
            "contract": statement.contract,
            "month": month,
            "issued": record,
            "issued_figures": record.figures if record else None,
            "differences": changes,
            "can_issue": record is None
            and has_right(request.user, Right.MANAGE_CONTRACTS)
            and next_month(first) <= timezone.localdate(),
            "labels": {
                line.service_level.pk: kpi_label(line.service_level.kpi_key)
                for line in statement.lines
            },
            "money": {
                "charge": money(statement.contract.monthly_charge),
                "before_cap": money(statement.totals.before_cap),
                "cap": money(statement.totals.cap),
                "total": money(statement.totals.total),
                "payable": money(statement.payable),
            },
        },
    )


@require_safe
@requires(Right.VIEW_STATISTICS)
def statement_csv_file(request: HttpRequest, contract_id: int, month: str) -> HttpResponse:
    """The statement as CSV: the file as issued once the month is issued."""
    statement = _statement(request, contract_id, month)
    return issued.download(statement, "csv")


@require_safe
@requires(Right.VIEW_STATISTICS)
def statement_pdf_file(request: HttpRequest, contract_id: int, month: str) -> HttpResponse:
    """The statement as PDF: the file as issued once the month is issued."""
    statement = _statement(request, contract_id, month)
    return issued.download(statement, "pdf")


@require_POST
@requires(Right.MANAGE_CONTRACTS)
def statement_issue(request: HttpRequest, contract_id: int, month: str) -> HttpResponse:
    """Issue the month's statement: its figures and files are frozen from now on."""
    contract = contract_for(request.user, contract_id)
    try:
        issue_statement(contract, _month(month), actor=request.user, source="web")
    except ValidationError as exc:
        for errors in exc.message_dict.values():
            messages.error(request, " ".join(errors))
    else:
        messages.success(request, "Statement issued: these figures are now the figures of record.")
    return redirect("contract-statement", contract_id=contract.pk, month=month)


@require_safe
@requires(Right.VIEW_STATISTICS)
def statement_records(
    request: HttpRequest, contract_id: int, month: str, level_id: int, index: int
) -> HttpResponse:
    """The records behind one line of a statement: those counting against the service level.

    Shows record numbers and the times the KPI reads, never names: commissioners and
    analysts may open it. A user who may see personal data gets links to the records,
    which open (or 404) through the records' own access functions.
    """
    statement = _statement(request, contract_id, month)
    line = find_line(statement, level_id, index)
    if line is None:
        raise Http404("No such line on this statement.")
    querysets = records_behind(statement.contract, line)
    ids: list[tuple[str, int]] = []
    for queryset in querysets:
        label = queryset.model._meta.label_lower
        ids.extend((label, pk) for pk in queryset.order_by("pk").values_list("pk", flat=True))
    if querysets:
        audit_read(request, querysets[0].model, purpose="contract statement drill-down")
    page = Paginator(ids, DRILLDOWN_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "contracts/statement_records.html",
        {
            "statement": statement,
            "contract": statement.contract,
            "line": line,
            "month": month,
            "label": kpi_label(line.service_level.kpi_key),
            "page": page,
            "count": len(ids),
            "expected": line.failing_count,
            "links": has_right(request.user, Right.VIEW_PERSONAL),
        },
    )


@require_POST
@requires(Right.MANAGE_CONTRACTS)
def force_majeure_declare(request: HttpRequest, contract_id: int) -> HttpResponse:
    """Declare a force-majeure period on a contract in scope."""
    contract = contract_for(request.user, contract_id)
    try:
        starts_on = dt.date.fromisoformat(request.POST.get("starts_on", ""))
        ends_on = dt.date.fromisoformat(request.POST.get("ends_on", ""))
    except ValueError:
        messages.error(request, "Give the first and last day as dates (YYYY-MM-DD).")
        return redirect("contract-detail", contract_id=contract.pk)
    try:
        declare_force_majeure(
            contract,
            starts_on=starts_on,
            ends_on=ends_on,
            reason=request.POST.get("reason", ""),
            actor=request.user,
            source="web",
        )
    except ValidationError as exc:
        for field, errors in exc.message_dict.items():
            messages.error(request, f"{field}: {' '.join(errors)}")
    else:
        messages.success(request, f"Force majeure declared from {starts_on} to {ends_on}.")
    return redirect("contract-detail", contract_id=contract.pk)
