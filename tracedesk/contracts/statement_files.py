"""A statement as CSV and as PDF (reportlab): the same figures as the web page."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from tracedesk.contracts.measures import kpi_label
from tracedesk.contracts.statements import Statement, StatementLine

COLUMNS = [
    "service_level", "kpi", "period_first_day", "period_last_day", "force_majeure_days",
    "target_percent", "direction", "weight", "numerator", "denominator", "measured_percent",
    "shortfall_points", "status", "credit_gbp",
]  # fmt: skip


def money(amount: Decimal) -> str:
    """Return ``amount`` as pounds with thousands separators: £1,234.50."""
    return f"£{amount:,.2f}"


def _row(line: StatementLine) -> list[str]:
    level, result = line.service_level, line.result
    return [
        level.name,
        level.kpi_key,
        line.first_day.isoformat(),
        line.last_day.isoformat(),
        str(line.force_majeure_days),
        str(level.target_percent),
        level.direction,
        str(level.weight),
        str(line.numerator),
        str(line.denominator),
        "" if result.value is None else str(result.value),
        str(result.shortfall),
        result.status.value,
        str(result.credit),
    ]


def statement_csv(statement: Statement) -> str:
    """Return the statement as CSV: one row per line, then the totals as labelled rows."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    contract = statement.contract
    writer.writerow(["contract", contract.reference])
    writer.writerow(["contractor", contract.contractor.name])
    writer.writerow(["month", statement.month.strftime("%Y-%m")])
    writer.writerow(["computed_at", statement.computed_at.isoformat(timespec="seconds")])
    writer.writerow([])
    writer.writerow(COLUMNS)
    for line in statement.lines:
        writer.writerow(_row(line))
    writer.writerow([])
    totals = statement.totals
    writer.writerow(["monthly_charge_gbp", str(contract.monthly_charge)])
    writer.writerow(["credits_before_cap_gbp", str(totals.before_cap)])
    writer.writerow(["cap_gbp", str(totals.cap)])
    writer.writerow(["total_credit_gbp", str(totals.total)])
    writer.writerow(["payable_gbp", str(statement.payable)])
    return out.getvalue()


def statement_pdf(statement: Statement) -> bytes:
    """Return the statement as an A4 landscape PDF."""
    buffer = io.BytesIO()
    contract = statement.contract
    title = f"Service-credit statement {contract.reference}, {statement.month_label}"
    document = SimpleDocTemplate(
        buffer,
        pagesize=landscape(A4),
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
        title=title,
        author="tracedesk",
        invariant=1,  # the same statement gives the same bytes (no timestamps, fixed ids)
        pageCompression=0,
    )
    styles = getSampleStyleSheet()
    small = styles["BodyText"].clone("small", fontSize=8, leading=10)
    header = [
        "Service level", "Period", "FM days", "Target", "Weight", "Measured",
        "Records", "Shortfall (points)", "Status", "Credit",
    ]  # fmt: skip
    rows: list[list[object]] = [list(header)]
    for line in statement.lines:
        level, result = line.service_level, line.result
        rows.append(
            [
                Paragraph(f"{level.name}<br/>{kpi_label(level.kpi_key)}", small),
                f"{line.first_day:%d %b} - {line.last_day:%d %b}",
                str(line.force_majeure_days),
                f"{'≥' if level.direction == 'at_least' else '≤'} {level.target_percent}%",
                str(level.weight),
                "—" if result.value is None else f"{result.value}%",
                f"{line.numerator} / {line.denominator}",
                str(result.shortfall),
                result.status.value.replace("_", " "),
                money(result.credit),
            ]
        )
    totals = statement.totals
    summary = [
        ["Monthly charge", money(contract.monthly_charge)],
        ["Credits before cap", money(totals.before_cap)],
        [f"Cap ({contract.cap_percent}% of the monthly charge)", money(totals.cap)],
        ["Total service credit", money(totals.total)],
        ["Payable", money(statement.payable)],
    ]
    grid = TableStyle(
        [
            ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
            ("BACKGROUND", (0, 0), (-1, 0), colors.lightgrey),
            ("FONTSIZE", (0, 0), (-1, -1), 8),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("ALIGN", (2, 1), (-1, -1), "RIGHT"),
        ]
    )
    story = [
        Paragraph(title, styles["Title"]),
        Paragraph(
            f"{contract.title}. Contractor: {contract.contractor.name}. Area: "
            f"{contract.jurisdiction.name}. Credit rate {contract.credit_rate_percent}% of the "
            "monthly charge per percentage point below target, times the service level's weight. "
            f"Computed {statement.computed_at:%d %b %Y %H:%M} UTC from the records.",
            styles["BodyText"],
        ),
        Spacer(1, 4 * mm),
        Table(rows, repeatRows=1, style=grid, colWidths=[70 * mm] + [None] * 9),
        Spacer(1, 6 * mm),
        Table(summary, style=grid, hAlign="LEFT"),
    ]
    document.build(story)
    return buffer.getvalue()
