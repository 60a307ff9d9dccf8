"""Issued statements: stored once with their files' hashes and data version, never silently
changed; a recomputation shows its differences beside them."""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from tracedesk.audit.models import AuditEvent
from tracedesk.contracts import issued
from tracedesk.contracts.actions import declare_force_majeure, issue_statement
from tracedesk.contracts.models import IssuedStatement
from tracedesk.contracts.statements import compute_statement
from tracedesk.contracts.tests.factories import example_contract, example_month
from tracedesk.testing.world import PERSONAS, World

FEB = dt.date(2021, 2, 1)
KWARGS = {"month": "2021-02"}


@pytest.fixture
def example(world: World) -> Any:
    contract = example_contract(world.leeds)
    example_month(world.leeds, world.camden)
    return contract


def _url(name: str, contract: Any) -> str:
    return reverse(name, kwargs={"contract_id": contract.pk, **KWARGS})


def _body(response: Any) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_issuing_stores_the_figures_files_hashes_and_data_version(
    example: Any, world: World, login: Any
) -> None:
    client = login("admin")
    page = client.get(_url("contract-statement", example)).content.decode()
    assert "not issued yet" in page and "Issue this statement" in page
    last_event = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first()
    response = client.post(_url("contract-statement-issue", example))
    assert response.status_code == 302
    record = IssuedStatement.objects.get(contract=example, month=FEB)
    assert record.issued_by == world.users["admin"]
    assert record.figures["totals"] == {
        "charge": "987654.32",
        "before_cap": "209925.93",
        "cap": "118518.52",
        "total": "118518.52",
        "payable": "869135.80",
    }  # the hand-checked example (test_statement.py)
    assert len(record.figures["lines"]) == 6
    assert record.data_version["audit_event_id"] == last_event
    assert record.data_version["kpi_versions"].keys() == {
        "cases_reached", "cases_reached_24h", "cases_reached_72h"
    }  # fmt: skip
    csv_file = client.get(_url("contract-statement-csv", example))
    pdf_file = client.get(_url("contract-statement-pdf", example))
    assert hashlib.sha256(_body(csv_file)).hexdigest() == record.csv_sha256
    assert hashlib.sha256(_body(pdf_file)).hexdigest() == record.pdf_sha256
    assert csv_file["X-Statement-Issued-SHA256"] == record.csv_sha256
    assert _body(pdf_file).startswith(b"%PDF")
    event = AuditEvent.objects.get(object_type="contracts.issuedstatement")
    assert (event.action, event.object_id, event.actor) == (
        "create", str(record.pk), world.users["admin"]
    )  # fmt: skip
    page = client.get(_url("contract-statement", example)).content.decode()
    assert "Issued" in page and record.csv_sha256 in page and record.pdf_sha256 in page
    assert "gives the same figures" in page
    assert "Issue this statement" not in page


def test_a_later_change_shows_as_differences_and_never_changes_the_issued_statement(
    example: Any, world: World, login: Any
) -> None:
    record = issue_statement(example, FEB, actor=world.users["admin"], source="tests")
    issued_csv = record.csv_text
    # Afterwards, week 4 is declared force majeure: recomputed, its failures disappear.
    declare_force_majeure(
        example, starts_on=dt.date(2021, 2, 22), ends_on=dt.date(2021, 2, 28),
        reason="Telephony outage", actor=world.users["admin"], source="tests",
    )  # fmt: skip
    now = issued.figures(compute_statement(example, FEB))
    changes = issued.differences(record.figures, now)
    by_what = {change.what: (change.issued, change.now) for change in changes}
    # By hand: SL1 over weeks 1-2 only is (14 + 18) / 40 = 80.00%, met; SL2's week 4 is
    # exempt; only SL2's week 1 (£37,037.04) remains, under the cap.
    assert by_what["SL2 cases reached, 22 Feb to 28 Feb: status"] == ("failed", "exempt")
    assert by_what["SL2 cases reached, 22 Feb to 28 Feb: credit"] == ("148148.15", "0.00")
    assert by_what["SL1 cases reached within 24 hours, 1 Feb to 28 Feb: value"] == (
        "78.33", "80.00"
    )  # fmt: skip
    assert by_what["before cap"] == ("209925.93", "37037.04")
    assert by_what["total"] == ("118518.52", "37037.04")
    assert by_what["payable"] == ("869135.80", "950617.28")
    assert "SL2 cases reached, 1 Feb to 7 Feb: credit" not in by_what  # unchanged lines
    client = login("analyst")
    page = client.get(_url("contract-statement", example)).content.decode()
    assert "would differ" in page and "950617.28" in page
    assert "£118518.52" in page  # the issued total still stands on the page
    csv_file = _body(client.get(_url("contract-statement-csv", example))).decode()
    assert csv_file == issued_csv  # the download is the file as issued
    record.refresh_from_db()
    assert record.figures["totals"]["payable"] == "869135.80"


def test_a_month_is_issued_once_and_only_when_it_is_over(example: Any, world: World) -> None:
    admin = world.users["admin"]
    issue_statement(example, FEB, actor=admin, source="tests")
    with pytest.raises(ValidationError) as again:
        issue_statement(example, FEB, actor=admin, source="tests")
    assert "already issued" in str(again.value.message_dict["month"])
    march_31 = dt.datetime(2021, 3, 31, 12, tzinfo=dt.UTC)
    with time_machine.travel(march_31, tick=False), pytest.raises(ValidationError) as early:
        issue_statement(example, dt.date(2021, 3, 1), actor=admin, source="tests")
    assert "not over yet" in str(early.value.message_dict["month"])
    with pytest.raises(ValidationError):
        issue_statement(example, dt.date(2021, 1, 1), actor=None, source="tests")
    assert IssuedStatement.objects.count() == 1


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_contract_managers_issue(example: Any, login: Any, persona: str) -> None:
    response = login(persona).post(_url("contract-statement-issue", example))
    if persona == "admin":
        assert response.status_code == 302
        assert IssuedStatement.objects.filter(contract=example).count() == 1
    else:
        assert response.status_code == 403
        assert not IssuedStatement.objects.exists()


def test_issuing_twice_on_the_web_says_so(example: Any, login: Any) -> None:
    client = login("admin")
    client.post(_url("contract-statement-issue", example))
    response = client.post(_url("contract-statement-issue", example), follow=True)
    assert "already issued" in response.content.decode()
    assert client.get(_url("contract-statement-issue", example)).status_code == 405
    assert IssuedStatement.objects.count() == 1
    assert Decimal(IssuedStatement.objects.get().figures["totals"]["total"]) == Decimal("118518.52")
