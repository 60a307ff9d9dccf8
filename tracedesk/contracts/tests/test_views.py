"""Who may open the contract pages, and declaring force majeure through the web."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from tracedesk.audit.models import AuditEvent
from tracedesk.contracts.models import Contract, Contractor, ForceMajeure, ServiceLevel
from tracedesk.geography.models import Jurisdiction
from tracedesk.testing.world import PERSONAS, World

CONTRACTS_ROUTES = {
    "contract-list",
    "contract-detail",
    "contract-statement",
    "contract-statement-csv",
    "contract-statement-pdf",
    "contract-statement-records",
    "contract-statement-issue",  # test_issued.py
    "force-majeure-declare",
}
READERS = {"supervisor_a", "health_protection", "analyst", "admin"}  # the statistics right


def make_contract(jurisdiction: Jurisdiction, reference: str = "TT-LEEDS") -> Contract:
    contractor, _ = Contractor.objects.get_or_create(name="Example Tracing Ltd")
    contract = Contract.objects.create(
        contractor=contractor, reference=reference, title=f"Tracing in {jurisdiction.name}",
        jurisdiction=jurisdiction, starts_on=dt.date(2021, 1, 1),
        monthly_charge=Decimal("100000.00"), credit_rate_percent=Decimal(1),
        cap_percent=Decimal(10),
    )  # fmt: skip
    ServiceLevel.objects.create(
        contract=contract, name="Cases reached", kpi_key="cases_reached",
        target_percent=Decimal(90),
    )  # fmt: skip
    return contract


def _pages(contract: Contract) -> dict[str, str]:
    level = contract.service_levels.get()
    month = {"contract_id": contract.pk, "month": "2021-02"}
    return {
        "contract-detail": reverse("contract-detail", kwargs={"contract_id": contract.pk}),
        "contract-statement": reverse("contract-statement", kwargs=month),
        "contract-statement-csv": reverse("contract-statement-csv", kwargs=month),
        "contract-statement-pdf": reverse("contract-statement-pdf", kwargs=month),
        "contract-statement-records": reverse(
            "contract-statement-records", kwargs={**month, "level_id": level.pk, "index": 0}
        ),
    }


@pytest.mark.parametrize("persona", PERSONAS)
def test_access_matrix(world: World, login: Callable[[str], Client], persona: str) -> None:
    leeds = make_contract(world.leeds)
    camden = make_contract(world.camden, "TT-CAMDEN")
    client = login(persona)
    listing = client.get(reverse("contract-list"))
    if persona not in READERS:
        assert listing.status_code == 403
        for url in _pages(leeds).values():
            assert client.get(url).status_code == 403
        return
    assert listing.status_code == 200
    assert "TT-LEEDS" in listing.content.decode()
    for url in _pages(leeds).values():
        assert client.get(url).status_code == 200, url
    # Supervisor A (Leeds) and health protection (Yorkshire) do not see Camden's contract.
    outside = 404 if persona in {"supervisor_a", "health_protection"} else 200
    assert ("TT-CAMDEN" in listing.content.decode()) == (outside == 200)
    for url in _pages(camden).values():
        assert client.get(url).status_code == outside, url


def test_anonymous_wrong_method_and_unknown_ids(
    world: World, login: Callable[[str], Client]
) -> None:
    contract = make_contract(world.leeds)
    pages = _pages(contract)
    for url in [reverse("contract-list"), *pages.values()]:
        response = Client().get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
        assert login("analyst").post(url).status_code == 405
    declare = reverse("force-majeure-declare", kwargs={"contract_id": contract.pk})
    assert login("admin").get(declare).status_code == 405
    client = login("analyst")
    assert client.get("/contracts/999999/").status_code == 404
    assert client.get("/contracts/abc/").status_code == 404
    assert client.get(f"/contracts/{contract.pk}/statements/2021-2/").status_code == 404


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_contract_managers_declare_force_majeure(
    world: World, login: Callable[[str], Client], persona: str
) -> None:
    contract = make_contract(world.leeds)
    url = reverse("force-majeure-declare", kwargs={"contract_id": contract.pk})
    form = {"starts_on": "2021-02-01", "ends_on": "2021-02-03", "reason": "Telephony outage"}
    response = login(persona).post(url, form)
    if persona == "admin":
        assert response.status_code == 302
        period = ForceMajeure.objects.get(contract=contract)
        assert (period.starts_on, period.ends_on) == (dt.date(2021, 2, 1), dt.date(2021, 2, 3))
        assert period.declared_by == world.users["admin"]
        assert AuditEvent.objects.filter(
            object_type="contracts.forcemajeure", object_id=str(period.pk), action="create"
        ).exists()
    else:
        assert response.status_code == 403
        assert not ForceMajeure.objects.exists()


def test_bad_force_majeure_is_refused_with_the_field_named(
    world: World, login: Callable[[str], Client]
) -> None:
    contract = make_contract(world.leeds)
    url = reverse("force-majeure-declare", kwargs={"contract_id": contract.pk})
    client = login("admin")
    backwards = {"starts_on": "2021-02-05", "ends_on": "2021-02-01", "reason": "x"}
    page = client.post(url, backwards, follow=True)
    assert "ends_on: The period ends before it starts." in page.content.decode()
    page = client.post(url, {"starts_on": "soon", "ends_on": "", "reason": "x"}, follow=True)
    assert "YYYY-MM-DD" in page.content.decode()
    page = client.post(url, {"starts_on": "2021-02-01", "ends_on": "2021-02-01", "reason": " "},
                       follow=True)  # fmt: skip
    assert "reason: " in page.content.decode()
    assert not ForceMajeure.objects.exists()
    camden = make_contract(world.camden, "TT-CAMDEN")
    world.users["admin"].jurisdictions.set([world.leeds])
    other = reverse("force-majeure-declare", kwargs={"contract_id": camden.pk})
    assert login("admin").post(other, {**backwards, "ends_on": "2021-02-06"}).status_code == 404


def test_a_service_level_needs_a_kpi_measured_as_a_share(world: World) -> None:
    from django.core.exceptions import ValidationError

    contract = make_contract(world.leeds)
    for key, message in [
        ("no_such_kpi", "is not a KPI"),
        ("cases_transferred", "not measured as a share"),
        ("composite_coverage", "not measured as a share"),
    ]:
        level = ServiceLevel(contract=contract, name=key, kpi_key=key, target_percent=Decimal(5))
        with pytest.raises(ValidationError, match=message):
            level.full_clean()
    ok = ServiceLevel(contract=contract, name="ok", kpi_key="contacts_reached_24h:household",
                      target_percent=Decimal(80))  # fmt: skip
    ok.full_clean()


def test_contracts_are_configured_in_the_admin_by_contract_managers_only(
    world: World, login: Callable[[str], Client]
) -> None:
    contract = make_contract(world.leeds)
    admin_client = login("admin")
    assert admin_client.get("/admin/contracts/contract/").status_code == 200
    page = admin_client.get(f"/admin/contracts/contract/{contract.pk}/change/")
    assert page.status_code == 200 and b"cases_reached_24h" in page.content  # the KPI choices
    assert login("supervisor_a").get("/admin/contracts/contract/").status_code == 403
