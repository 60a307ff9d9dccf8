"""The contract endpoints: access matrix, the statement as JSON, drill-down, force majeure."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from tracedesk.contracts.models import ForceMajeure, IssuedStatement
from tracedesk.contracts.tests.factories import example_contract, example_month
from tracedesk.contracts.tests.test_views import READERS, make_contract
from tracedesk.testing.api_routes import RouteCall, call, token_client
from tracedesk.testing.world import PERSONAS, World

FM_BODY = {"starts_on": "2021-02-01", "ends_on": "2021-02-02", "reason": "Telephony outage"}
MATRIX: dict[tuple[str, str], RouteCall] = {
    ("GET", "/api/contracts"): RouteCall(
        kind="list", url=lambda d: "/api/contracts", persona="analyst"
    ),
    ("GET", "/api/contracts/{contract_id}"): RouteCall(
        kind="detail", url=lambda d: "/api/contracts/1", persona="analyst"
    ),
    ("GET", "/api/contracts/{contract_id}/statements/{month}"): RouteCall(
        kind="detail", url=lambda d: "/api/contracts/1/statements/2021-02", persona="analyst"
    ),
    ("GET", "/api/contracts/{contract_id}/statements/{month}/records"): RouteCall(
        kind="detail",
        url=lambda d: "/api/contracts/1/statements/2021-02/records?service_level=1",
        persona="analyst",
    ),
    ("GET", "/api/contracts/{contract_id}/statements/{month}/csv"): RouteCall(
        kind="detail", url=lambda d: "/api/contracts/1/statements/2021-02/csv", persona="analyst"
    ),
    ("GET", "/api/contracts/{contract_id}/statements/{month}/pdf"): RouteCall(
        kind="detail", url=lambda d: "/api/contracts/1/statements/2021-02/pdf", persona="analyst"
    ),
    ("POST", "/api/contracts/{contract_id}/statements/{month}/issue"): RouteCall(
        kind="create",
        url=lambda d: "/api/contracts/1/statements/2021-02/issue",
        body=lambda d: {},
        persona="admin",
    ),
    ("POST", "/api/contracts/{contract_id}/force-majeure"): RouteCall(
        kind="create",
        url=lambda d: "/api/contracts/1/force-majeure",
        body=lambda d: FM_BODY,
        persona="admin",
    ),
}


@pytest.mark.parametrize("persona", PERSONAS)
def test_access_matrix(world: World, persona: str) -> None:
    leeds = make_contract(world.leeds)
    camden = make_contract(world.camden, "TT-CAMDEN")
    client = token_client(world.users[persona])
    listing = call(client, "GET", "/api/contracts")
    level = leeds.service_levels.get()
    urls = [
        f"/api/contracts/{leeds.pk}",
        f"/api/contracts/{leeds.pk}/statements/2021-02",
        f"/api/contracts/{leeds.pk}/statements/2021-02/records?service_level={level.pk}",
        f"/api/contracts/{leeds.pk}/statements/2021-02/csv",
        f"/api/contracts/{leeds.pk}/statements/2021-02/pdf",
    ]
    declared = call(client, "POST", f"/api/contracts/{leeds.pk}/force-majeure", FM_BODY)
    issue = call(client, "POST", f"/api/contracts/{leeds.pk}/statements/2021-02/issue", {})
    if persona not in READERS:
        assert listing.status_code == 403
        assert all(call(client, "GET", url).status_code == 403 for url in urls)
        assert declared.status_code == issue.status_code == 403
        return
    assert listing.status_code == 200
    references = {item["reference"] for item in listing.json()["items"]}
    outside = persona in {"supervisor_a", "health_protection"}
    assert references == ({"TT-LEEDS"} if outside else {"TT-LEEDS", "TT-CAMDEN"})
    for url in urls:
        assert call(client, "GET", url).status_code == 200, url
    camden_status = call(client, "GET", f"/api/contracts/{camden.pk}").status_code
    assert camden_status == (404 if outside else 200)
    assert declared.status_code == (201 if persona == "admin" else 403)
    assert ForceMajeure.objects.filter(contract=leeds).exists() == (persona == "admin")
    assert issue.status_code == (201 if persona == "admin" else 403)
    assert IssuedStatement.objects.filter(contract=leeds).exists() == (persona == "admin")
    camden_issue = f"/api/contracts/{camden.pk}/statements/2021-02/issue"
    assert call(client, "POST", camden_issue, {}).status_code == (
        404 if outside else 201 if persona == "admin" else 403
    )


def test_the_statement_as_json_matches_the_hand_checked_example(world: World) -> None:
    contract = example_contract(world.leeds)
    example_month(world.leeds, world.camden)
    client = token_client(world.users["analyst"])
    body = call(client, "GET", f"/api/contracts/{contract.pk}/statements/2021-02").json()
    assert body["total_credit"] == "118518.52"
    assert body["credits_before_cap"] == "209925.93"
    assert [line["credit"] for line in body["lines"]] == [
        "24740.74", "37037.04", "0.00", "0.00", "148148.15", "0.00",
    ]  # fmt: skip
    first = body["lines"][0]
    assert (first["measured_percent"], first["failing_records"]) == ("78.33", 13)
    records = call(
        client,
        "GET",
        f"/api/contracts/{contract.pk}/statements/2021-02/records"
        f"?service_level={first['service_level_id']}&period=0",
    ).json()
    assert (records["record_type"], records["count"], len(records["ids"])) == ("cases.case", 13, 13)


def test_bad_requests_name_the_field(world: World) -> None:
    contract = make_contract(world.leeds)
    client = token_client(world.users["admin"])
    bad_month = call(client, "GET", f"/api/contracts/{contract.pk}/statements/2021-13")
    assert bad_month.status_code == 422
    assert bad_month.json()["detail"][0]["field"] == "month"
    no_level = call(client, "GET", f"/api/contracts/{contract.pk}/statements/2021-02/records")
    assert no_level.json()["detail"][0]["field"] == "service_level"
    no_line = call(
        client, "GET", f"/api/contracts/{contract.pk}/statements/2021-02/records?service_level=999"
    )
    assert no_line.status_code == 404
    backwards = {**FM_BODY, "starts_on": "2021-03-01"}
    response = call(client, "POST", f"/api/contracts/{contract.pk}/force-majeure", backwards)
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "ends_on"
    missing: dict[str, Any] = {"starts_on": "2021-02-01"}
    response = call(client, "POST", f"/api/contracts/{contract.pk}/force-majeure", missing)
    assert response.status_code == 422
    assert not ForceMajeure.objects.exists()


def test_issuing_through_the_api_freezes_the_figures_and_files(world: World) -> None:
    contract = example_contract(world.leeds)
    example_month(world.leeds, world.camden)
    admin = token_client(world.users["admin"])
    base = f"/api/contracts/{contract.pk}/statements/2021-02"
    before = call(admin, "GET", base).json()
    assert (before["issued"], before["differences"]) == (None, [])
    assert call(admin, "GET", f"{base}/csv").get("X-Statement-Issued-SHA256") is None
    issued = call(admin, "POST", f"{base}/issue", {})
    assert issued.status_code == 201, issued.content
    body = issued.json()
    record = IssuedStatement.objects.get(contract=contract)
    assert body["issued"]["issued_by"] == world.users["admin"].get_username()
    assert body["issued"]["figures"]["totals"]["total"] == "118518.52"
    assert body["issued"]["csv_sha256"] == record.csv_sha256
    csv_file = call(admin, "GET", f"{base}/csv")
    pdf_file = call(admin, "GET", f"{base}/pdf")
    assert hashlib.sha256(csv_file.content).hexdigest() == record.csv_sha256
    assert csv_file["X-Statement-Issued-SHA256"] == record.csv_sha256
    assert hashlib.sha256(pdf_file.content).hexdigest() == record.pdf_sha256
    assert pdf_file.content.startswith(b"%PDF")
    again = call(admin, "POST", f"{base}/issue", {})
    assert again.status_code == 422
    assert again.json()["detail"][0]["field"] == "month"
    assert IssuedStatement.objects.count() == 1
    # A force-majeure period declared afterwards changes today's figures, not the issued ones.
    fm = {"starts_on": "2021-02-01", "ends_on": "2021-02-07", "reason": "Telephony outage"}
    assert call(admin, "POST", f"/api/contracts/{contract.pk}/force-majeure", fm).status_code == 201
    after = call(admin, "GET", base).json()
    assert after["issued"]["figures"] == body["issued"]["figures"]
    assert after["differences"] and after["credits_before_cap"] != "209925.93"
    assert hashlib.sha256(call(admin, "GET", f"{base}/csv").content).hexdigest() == (
        record.csv_sha256
    )


def test_a_month_not_over_cannot_be_issued(world: World) -> None:
    contract = make_contract(world.leeds)
    admin = token_client(world.users["admin"])
    response = call(admin, "POST", f"/api/contracts/{contract.pk}/statements/2999-01/issue", {})
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "month"
    assert not IssuedStatement.objects.exists()
