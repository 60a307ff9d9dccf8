"""Contract endpoints: terms, monthly statements, drill-down, force majeure."""

# No "from __future__ import annotations": ninja reads these signatures at runtime.
import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from tracedesk.accounts.api_auth import caller
from tracedesk.accounts.roles import Right, require
from tracedesk.audit.reads import audit_read
from tracedesk.contracts import issued
from tracedesk.contracts.access import contract_for, contracts_for
from tracedesk.contracts.actions import declare_force_majeure, issue_statement
from tracedesk.contracts.models import Contract, IssuedStatement
from tracedesk.contracts.statements import (
    Statement,
    compute_statement,
    find_line,
    parse_month,
    records_behind,
)
from tracedesk.people.schemas import Pages

router = Router(tags=["contracts"])


class ServiceLevelOut(Schema):
    id: int
    name: str
    kpi_key: str
    target_percent: Decimal
    direction: str
    period: str
    weight: Decimal


class ContractOut(Schema):
    id: int
    reference: str
    title: str
    contractor: str
    jurisdiction_code: str
    starts_on: dt.date
    ends_on: dt.date | None
    monthly_charge: Decimal
    credit_rate_percent: Decimal
    cap_percent: Decimal

    @staticmethod
    def resolve_contractor(obj: Contract) -> str:
        return obj.contractor.name

    @staticmethod
    def resolve_jurisdiction_code(obj: Contract) -> str:
        return obj.jurisdiction.code


class ContractDetailOut(ContractOut):
    service_levels: list[ServiceLevelOut]

    @staticmethod
    def resolve_service_levels(obj: Contract) -> list[object]:
        return list(obj.service_levels.all())


class StatementLineOut(Schema):
    service_level_id: int
    service_level: str
    kpi_key: str
    period_index: int
    first_day: dt.date
    last_day: dt.date
    force_majeure_days: int
    target_percent: Decimal
    direction: str
    weight: Decimal
    numerator: int
    denominator: int
    measured_percent: Decimal | None
    shortfall_points: Decimal
    status: str
    credit: Decimal
    failing_records: int


class DifferenceOut(Schema):
    what: str = Field(..., description="The line and figure, or the total, that differs")
    issued: str
    now: str


class IssuedOut(Schema):
    """A month's statement as issued: the figures of record, frozen."""

    issued_at: dt.datetime
    issued_by: str
    computed_at: dt.datetime
    figures: dict[str, object] = Field(..., description="Every line and the totals, as issued")
    data_version: dict[str, object] = Field(
        ..., description="The last audit event and the KPI definitions' versions used"
    )
    csv_sha256: str
    pdf_sha256: str

    @staticmethod
    def resolve_issued_by(obj: IssuedStatement) -> str:
        return obj.issued_by.get_username()


class StatementOut(Schema):
    contract_id: int
    month: str
    computed_at: dt.datetime
    monthly_charge: Decimal
    lines: list[StatementLineOut]
    credits_before_cap: Decimal
    cap: Decimal
    total_credit: Decimal
    payable: Decimal
    issued: IssuedOut | None = Field(
        None, description="The statement as issued, once the month is issued"
    )
    differences: list[DifferenceOut] = Field(
        default_factory=list,
        description="What today's records change from the issued figures (none before issue)",
    )


class RecordsOut(Schema):
    record_type: str = Field(..., description="app_label.model of the records, e.g. cases.case")
    ids: list[int]
    count: int


class ForceMajeureIn(Schema):
    starts_on: dt.date
    ends_on: dt.date
    reason: str = Field(..., min_length=1, max_length=300)


class ForceMajeureOut(Schema):
    id: int
    starts_on: dt.date
    ends_on: dt.date
    reason: str


def _month(text: str) -> dt.date:
    return parse_month(text)  # ValidationError → 422 naming "month"


def _statement_out(statement: Statement) -> dict[str, object]:
    record = issued.issued_for(statement.contract, statement.month)
    changes = issued.differences(record.figures, issued.figures(statement)) if record else []
    return {
        "issued": record,
        "differences": changes,
        "contract_id": statement.contract.pk,
        "month": statement.month.strftime("%Y-%m"),
        "computed_at": statement.computed_at,
        "monthly_charge": statement.contract.monthly_charge,
        "lines": [
            {
                "service_level_id": line.service_level.pk,
                "service_level": line.service_level.name,
                "kpi_key": line.service_level.kpi_key,
                "period_index": line.index,
                "first_day": line.first_day,
                "last_day": line.last_day,
                "force_majeure_days": line.force_majeure_days,
                "target_percent": line.service_level.target_percent,
                "direction": line.service_level.direction,
                "weight": line.service_level.weight,
                "numerator": line.numerator,
                "denominator": line.denominator,
                "measured_percent": line.result.value,
                "shortfall_points": line.result.shortfall,
                "status": line.result.status.value,
                "credit": line.result.credit,
                "failing_records": line.failing_count if line.failed else 0,
            }
            for line in statement.lines
        ],
        "credits_before_cap": statement.totals.before_cap,
        "cap": statement.totals.cap,
        "total_credit": statement.totals.total,
        "payable": statement.payable,
    }


@router.get("/contracts", response=list[ContractOut], operation_id="list_contracts")
@paginate(Pages)
def list_contracts(request: HttpRequest) -> QuerySet[Contract]:
    """List the contracts covering an area in your scope."""
    return contracts_for(caller(request)).order_by("reference", "pk")


@router.get("/contracts/{contract_id}", response=ContractDetailOut, operation_id="get_contract")
def get_contract(request: HttpRequest, contract_id: int) -> Contract:
    """Return one contract and its service levels."""
    return contract_for(caller(request), contract_id)


@router.get(
    "/contracts/{contract_id}/statements/{month}",
    response=StatementOut,
    operation_id="get_contract_statement",
)
def get_statement(request: HttpRequest, contract_id: int, month: str) -> dict[str, object]:
    """Compute the contract's service-credit statement for ``month`` (YYYY-MM)."""
    contract = contract_for(caller(request), contract_id)
    return _statement_out(compute_statement(contract, _month(month)))


@router.get(
    "/contracts/{contract_id}/statements/{month}/csv",
    response={200: None},
    operation_id="get_contract_statement_csv",
)
def get_statement_csv(request: HttpRequest, contract_id: int, month: str) -> HttpResponse:
    """The statement as CSV: the file as issued once the month is issued (its SHA-256 in
    the ``X-Statement-Issued-SHA256`` header), else computed from today's records."""
    contract = contract_for(caller(request), contract_id)
    return issued.download(compute_statement(contract, _month(month)), "csv")


@router.get(
    "/contracts/{contract_id}/statements/{month}/pdf",
    response={200: None},
    operation_id="get_contract_statement_pdf",
)
def get_statement_pdf(request: HttpRequest, contract_id: int, month: str) -> HttpResponse:
    """The statement as PDF: the file as issued once the month is issued."""
    contract = contract_for(caller(request), contract_id)
    return issued.download(compute_statement(contract, _month(month)), "pdf")


@router.post(
    "/contracts/{contract_id}/statements/{month}/issue",
    response={201: StatementOut},
    operation_id="issue_contract_statement",
)
def post_issue_statement(request: HttpRequest, contract_id: int, month: str) -> Status:
    """Issue a complete month's statement: its figures and files become the figures of record.

    Refused (422 naming ``month``) for a month not yet over or already issued.
    """
    user = caller(request)
    contract = contract_for(user, contract_id)
    require(user, Right.MANAGE_CONTRACTS)
    first = _month(month)
    issue_statement(contract, first, actor=user, source="api")
    return Status(201, _statement_out(compute_statement(contract, first)))


class LineParams(Schema):
    service_level: int | None = Field(None, description="The service level's id (required)")
    period: int = Field(0, ge=0, description="The measurement period's position in the month")


@router.get(
    "/contracts/{contract_id}/statements/{month}/records",
    response=RecordsOut,
    operation_id="get_contract_statement_records",
)
def get_statement_records(
    request: HttpRequest, contract_id: int, month: str, line: Query[LineParams]
) -> dict[str, object]:
    """List the ids of the records counting against one line of a statement."""
    contract = contract_for(caller(request), contract_id)
    if line.service_level is None:
        raise ValidationError({"service_level": "Name the service level (its id)."})
    statement = compute_statement(contract, _month(month))
    found = find_line(statement, line.service_level, line.period)
    if found is None:
        raise Http404
    querysets = records_behind(contract, found)
    ids = sorted(pk for qs in querysets for pk in qs.values_list("pk", flat=True))
    record_type = querysets[0].model._meta.label_lower if querysets else ""
    if querysets:
        audit_read(
            request, querysets[0].model, purpose="api: contract statement drill-down", ids=ids
        )
    return {"record_type": record_type, "ids": ids, "count": len(ids)}


@router.post(
    "/contracts/{contract_id}/force-majeure",
    response={201: ForceMajeureOut},
    operation_id="declare_force_majeure",
)
def post_force_majeure(request: HttpRequest, contract_id: int, payload: ForceMajeureIn) -> Status:
    """Declare a force-majeure period: its days leave every measurement of the contract."""
    user = caller(request)
    contract = contract_for(user, contract_id)
    require(user, Right.MANAGE_CONTRACTS)
    period = declare_force_majeure(
        contract,
        starts_on=payload.starts_on,
        ends_on=payload.ends_on,
        reason=payload.reason,
        actor=user,
        source="api",
    )
    return Status(201, period)
