"""Issued statements: the figures of record, and what a recomputation would change.

A statement is computed from the records each time it is shown. Once a month is
*issued* (``actions.issue_statement``) its figures, the CSV and PDF as sent (with
their SHA-256), the data version and who issued it are stored and are what the
month's statement shows and downloads from then on. Recomputing later may give other
figures (a late laboratory result, a force-majeure period declared afterwards, a new
KPI definition version): ``differences`` lists them, line by line, so a change is
seen and decided on (a correction is a new, explicit decision, never a silent edit).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any

from django.db.models import Max
from django.http import HttpResponse

from tracedesk.audit.models import AuditEvent
from tracedesk.contracts.models import Contract, IssuedStatement
from tracedesk.contracts.statements import Statement

LINE_FIGURES = (
    "first_day", "last_day", "force_majeure_days", "numerator", "denominator", "value",
    "shortfall", "status", "credit",
)  # fmt: skip
TOTALS = ("charge", "before_cap", "cap", "total", "payable")


def sha256(data: bytes | str) -> str:
    return hashlib.sha256(data.encode() if isinstance(data, str) else data).hexdigest()


def figures(statement: Statement) -> dict[str, Any]:
    """The statement's figures as plain JSON values (decimals and dates as text)."""
    lines = []
    for line in statement.lines:
        result = line.result
        lines.append(
            {
                "level": line.service_level.pk,
                "index": line.index,
                "service_level": line.service_level.name,
                "kpi": line.service_level.kpi_key,
                "first_day": line.first_day.isoformat(),
                "last_day": line.last_day.isoformat(),
                "force_majeure_days": line.force_majeure_days,
                "numerator": line.numerator,
                "denominator": line.denominator,
                "value": None if result.value is None else str(result.value),
                "shortfall": str(result.shortfall),
                "status": result.status.value,
                "credit": str(result.credit),
            }
        )
    totals = statement.totals
    return {
        "lines": lines,
        "totals": {
            "charge": str(statement.contract.monthly_charge),
            "before_cap": str(totals.before_cap),
            "cap": str(totals.cap),
            "total": str(totals.total),
            "payable": str(statement.payable),
        },
    }


def data_version(statement: Statement) -> dict[str, Any]:
    """What the figures were computed from: the audit log's position (every write to the
    records writes an event, so a later write has a higher id) and the KPI versions."""
    from tracedesk.kpis.engine import KPIS

    last = AuditEvent.objects.aggregate(last=Max("pk"))["last"] or 0
    keys = sorted({line.service_level.kpi_key for line in statement.lines})
    return {
        "audit_event_id": last,
        "kpi_versions": {key: KPIS[key].version for key in keys if key in KPIS},
    }


@dataclass(frozen=True)
class Difference:
    what: str  # "SL2 contacts reached, 1 Mar to 7 Mar: credit", or a total: "payable"
    issued: str
    now: str


def _label(line: dict[str, Any]) -> str:
    first = dt.date.fromisoformat(line["first_day"])
    last = dt.date.fromisoformat(line["last_day"])
    return f"{line['service_level']}, {first:%-d %b} to {last:%-d %b}"


def differences(issued: dict[str, Any], now: dict[str, Any]) -> list[Difference]:
    """Every figure that differs between the issued statement and a recomputation."""
    found: list[Difference] = []
    before = {(line["level"], line["index"]): line for line in issued["lines"]}
    after = {(line["level"], line["index"]): line for line in now["lines"]}
    for key in sorted(before.keys() | after.keys()):
        old, new = before.get(key), after.get(key)
        if old is None:
            found.append(Difference(_label(after[key]), "not on the statement", "a new line"))
            continue
        if new is None:
            found.append(Difference(_label(old), "on the statement", "no longer a line"))
            continue
        for name in LINE_FIGURES:
            if old[name] != new[name]:
                label = name.replace("_", " ")
                found.append(
                    Difference(f"{_label(old)}: {label}", _text(old[name]), _text(new[name]))
                )
    for name in TOTALS:
        if issued["totals"][name] != now["totals"][name]:
            found.append(
                Difference(name.replace("_", " "), issued["totals"][name], now["totals"][name])
            )
    return found


def _text(value: Any) -> str:
    return "—" if value is None else str(value)


def issued_for(contract: Contract, month: dt.date) -> IssuedStatement | None:
    return IssuedStatement.objects.filter(contract=contract, month=month.replace(day=1)).first()


def download(statement: Statement, extension: str) -> HttpResponse:
    """The statement's ``csv`` or ``pdf`` file as a download, for the web page and the API.

    Once the month is issued it is the file as issued, with its SHA-256 in the
    ``X-Statement-Issued-SHA256`` header; before, it is computed from today's records.
    """
    from tracedesk.contracts.statement_files import statement_csv, statement_pdf

    record = issued_for(statement.contract, statement.month)
    body: bytes | str
    if extension == "csv":
        body, digest = (
            (record.csv_text, record.csv_sha256) if record else (statement_csv(statement), "")
        )
        kind = "text/csv; charset=utf-8"
    else:
        body, digest = (
            (bytes(record.pdf), record.pdf_sha256) if record else (statement_pdf(statement), "")
        )
        kind = "application/pdf"
    reference = "".join(
        c if c.isalnum() or c in "-_" else "_" for c in statement.contract.reference
    )
    response = HttpResponse(body, content_type=kind)
    response["Content-Disposition"] = (
        f'attachment; filename="statement-{reference}-{statement.month:%Y-%m}.{extension}"'
    )
    if digest:
        response["X-Statement-Issued-SHA256"] = digest
    return response
