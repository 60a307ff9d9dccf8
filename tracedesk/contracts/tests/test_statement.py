"""The monthly statement against a month worked out by hand.

The hand-checked example (the data is ``factories.example_month``)
====================================================================

Contract TT-2021-001 covers Leeds. Monthly charge £987,654.32. Credit: 1.5% of the
monthly charge per percentage point below target, times the service level's weight.
Cap: 12% of the monthly charge. Force majeure declared 15-21 Feb 2021 (week 3).

February 2021 runs Monday 1st to Sunday 28th: exactly four weeks. Cases in Leeds,
each transferred at 09:00 (one at 23:30 on the 28th), reached after:

    week        2 h   30 h   50 h   1 h   never   cases
    1-7 Feb      14     4                    2       20
    8-14 Feb     18            2                     20
    15-21 Feb     2                         18       20   (force majeure: left out)
    22-28 Feb    14                   1      5       20

Not counted: a Leeds case at 23:30 on 31 Jan and one at 00:30 on 1 Mar (outside the
month, local time), and 10 unreached Camden cases (outside the contract's area).

SL1 "cases reached within 24 hours", target ≥ 80%, monthly, weight 1
    measured over weeks 1, 2, 4: (14 + 18 + 15) / 60 = 47/60 = 78.333…% → 78.33%
    shortfall 80 - 78.33 = 1.67 points
    credit 1.67 x 1.5% x 1 x £987,654.32 = £24,740.740716 → £24,740.74
    drill-down: 60 - 47 = 13 cases (6 in week 1, 2 in week 2, 5 in week 4)

SL2 "cases reached", target ≥ 95%, weekly, weight 0.5
    week 1: 18/20 = 90.00%, shortfall 5 points:
            5 x 1.5% x 0.5 x £987,654.32 = £37,037.037 → £37,037.04
    week 2: 20/20 = 100.00%, met, £0.00
    week 3: exempt (every day force majeure), £0.00
    week 4: 15/20 = 75.00%, shortfall 20 points:
            20 x 1.5% x 0.5 x £987,654.32 = £148,148.148 → £148,148.15

SL3 "cases reached within 72 hours", target ≥ 85%, monthly, weight 2
    (18 + 20 + 15) / 60 = 53/60 = 88.33%: met, £0.00

Credits before cap: 24,740.74 + 37,037.04 + 148,148.15 = £209,925.93
Cap: 12% x £987,654.32 = £118,518.5184 → £118,518.52
Total credit: min(209,925.93, 118,518.52) = £118,518.52
Payable: 987,654.32 - 118,518.52 = £869,135.80
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tracedesk.audit.models import AuditEvent
from tracedesk.cases.models import Case
from tracedesk.contracts.statements import compute_statement, records_behind
from tracedesk.contracts.tests.factories import example_contract, example_month
from tracedesk.lib.service_credits import Status
from tracedesk.testing.world import World

D = Decimal
FEB = dt.date(2021, 2, 1)


@pytest.fixture
def example(world: World) -> Any:
    contract = example_contract(world.leeds)
    example_month(world.leeds, world.camden)
    return contract


def _figures(line: Any) -> tuple[Any, ...]:
    r = line.result
    return (line.first_day.day, line.last_day.day, line.force_majeure_days,
            line.numerator, line.denominator, r.value, r.shortfall, r.status, r.credit)  # fmt: skip


def test_the_statement_matches_the_hand_checked_example(example: Any) -> None:
    statement = compute_statement(example, FEB)
    by_level: dict[str, list[tuple[Any, ...]]] = {}
    for line in statement.lines:
        by_level.setdefault(line.service_level.name[:3], []).append(_figures(line))
    assert by_level == {
        "SL1": [(1, 28, 7, 47, 60, D("78.33"), D("1.67"), Status.FAILED, D("24740.74"))],
        "SL2": [
            (1, 7, 0, 18, 20, D("90.00"), D("5.00"), Status.FAILED, D("37037.04")),
            (8, 14, 0, 20, 20, D("100.00"), D("0"), Status.MET, D("0")),
            (15, 21, 7, 0, 0, None, D("0"), Status.EXEMPT, D("0")),
            (22, 28, 0, 15, 20, D("75.00"), D("20.00"), Status.FAILED, D("148148.15")),
        ],
        "SL3": [(1, 28, 7, 53, 60, D("88.33"), D("0"), Status.MET, D("0"))],
    }
    assert statement.totals.before_cap == D("209925.93")
    assert statement.totals.cap == D("118518.52")
    assert statement.totals.total == D("118518.52")
    assert statement.totals.capped
    assert statement.payable == D("869135.80")


def test_every_failed_line_drills_down_to_the_records_behind_it(example: Any) -> None:
    statement = compute_statement(example, FEB)
    failed = [line for line in statement.lines if line.failed]
    assert len(failed) == 3
    for line in failed:
        ids = {pk for qs in records_behind(example, line) for pk in qs.values_list("pk", flat=True)}
        assert len(ids) == line.failing_count == line.denominator - line.numerator
        cases = Case.objects.filter(pk__in=ids)
        assert {case.jurisdiction_id for case in cases} == {example.jurisdiction_id}
        # None from the force-majeure week, none from outside the line's period.
        for case in cases:
            day = case.created_at.astimezone(dt.UTC).date()
            assert line.first_day <= day <= line.last_day
            assert not dt.date(2021, 2, 15) <= day <= dt.date(2021, 2, 21)
    sl1 = failed[0]
    assert sl1.service_level.name.startswith("SL1") and sl1.failing_count == 13


def test_no_cap_when_credits_are_under_it(example: Any) -> None:
    example.cap_percent = D(100)
    example.save()
    statement = compute_statement(example, FEB)
    assert statement.totals.total == statement.totals.before_cap == D("209925.93")
    assert not statement.totals.capped


def test_without_force_majeure_week_3_counts(example: Any) -> None:
    example.force_majeure.all().delete()
    statement = compute_statement(example, FEB)
    sl2_week3 = [line for line in statement.lines if line.service_level.name[:3] == "SL2"][2]
    # 2 of 20 reached: 10.00%, 85 points short, 85 x 1.5% x 0.5 x charge.
    assert (sl2_week3.result.value, sl2_week3.result.shortfall) == (D("10.00"), D("85.00"))
    assert sl2_week3.result.credit == D("629629.63")  # 85 x 7,407.4074 = 629,629.629
    sl1 = statement.lines[0]
    assert (sl1.numerator, sl1.denominator) == (49, 80)


def test_a_month_before_the_contract_has_no_lines(example: Any) -> None:
    statement = compute_statement(example, dt.date(2020, 12, 1))
    assert statement.lines == []
    assert statement.totals.total == D("0.00")


# --- Through the web ------------------------------------------------------------


def _get(client: Client, name: str, contract: Any, **kwargs: Any) -> Any:
    return client.get(reverse(name, kwargs={"contract_id": contract.pk, **kwargs}))


def test_the_statement_page_csv_and_pdf_show_the_same_figures(example: Any, login: Any) -> None:
    client = login("analyst")
    page = _get(client, "contract-statement", example, month="2021-02")
    assert page.status_code == 200
    for text in ["£118,518.52", "£209,925.93", "£869,135.80", "78.33%", "failed: 13 records"]:
        assert text in page.content.decode()

    response = _get(client, "contract-statement-csv", example, month="2021-02")
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="statement-TT-2021-001-2021-02.csv"' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    header = rows.index(next(row for row in rows if row[:1] == ["service_level"]))
    lines = [dict(zip(rows[header], row, strict=True)) for row in rows[header + 1 : header + 7]]
    assert [line["credit_gbp"] for line in lines] == [
        "24740.74", "37037.04", "0.00", "0.00", "148148.15", "0.00",
    ]  # fmt: skip
    totals = {row[0]: row[1] for row in rows[header + 8 :] if row}
    assert totals["total_credit_gbp"] == "118518.52"
    assert totals["cap_gbp"] == "118518.52"

    pdf = _get(client, "contract-statement-pdf", example, month="2021-02")
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert b"118,518.52" in pdf.content and b"24,740.74" in pdf.content


def test_the_drill_down_page_lists_the_records_and_is_audited(example: Any, login: Any) -> None:
    client = login("supervisor_a")
    statement = compute_statement(example, FEB)
    sl1 = statement.lines[0]
    response = _get(
        client, "contract-statement-records", example, month="2021-02",
        level_id=sl1.service_level.pk, index=0,
    )  # fmt: skip
    assert response.status_code == 200
    body = response.content.decode()
    assert "These 13 records count against it" in body
    assert len(re.findall(r'href="/cases/\d+/"', body)) == 13  # a supervisor may open each
    assert "Generated" not in body  # never a name
    assert AuditEvent.objects.filter(
        object_type="cases.case", purpose="contract statement drill-down"
    ).exists()
    analyst = _get(
        login("analyst"), "contract-statement-records", example, month="2021-02",
        level_id=sl1.service_level.pk, index=0,
    )  # fmt: skip
    assert analyst.status_code == 200
    assert not re.findall(r'href="/cases/\d+/"', analyst.content.decode())  # numbers only


def test_bad_months_and_lines_are_404(example: Any, login: Any) -> None:
    client = login("analyst")
    assert _get(client, "contract-statement", example, month="2021-13").status_code == 404
    assert _get(client, "contract-statement", example, month="1999-01").status_code == 404
    level = example.service_levels.first()
    missing = _get(
        client, "contract-statement-records", example, month="2021-02",
        level_id=level.pk, index=9,
    )  # fmt: skip
    assert missing.status_code == 404
