"""Export endpoints: rights, the token's password confirmation, streaming, scope, audit of
the ids exported, and the analysts' pseudonymised lists."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable
from typing import Any

import pyarrow.parquet as pq
import pytest
import time_machine
from django.conf import settings
from django.http import StreamingHttpResponse
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from tracedesk.accounts import twofactor
from tracedesk.accounts.models import LoginFailure
from tracedesk.audit.models import AuditEvent
from tracedesk.exports.datasets import DATASETS
from tracedesk.people.models import Person
from tracedesk.privacy.pseudonymise import pseudonym
from tracedesk.testing.api_routes import RouteCall, bearer_token, call
from tracedesk.testing.world import PASSWORD, PERSONAS, District, World

MATRIX: dict[tuple[str, str], RouteCall] = {
    ("GET", "/api/exports"): RouteCall(
        kind="list", url=lambda d: "/api/exports", persona="supervisor_a"
    ),
    ("POST", "/api/exports/confirm"): RouteCall(
        kind="create",
        url=lambda d: "/api/exports/confirm",
        body=lambda d: {"password": PASSWORD},
        persona="supervisor_a",
    ),
    ("GET", "/api/exports/kpis"): RouteCall(
        kind="list", url=lambda d: "/api/exports/kpis?days=1", persona="analyst"
    ),
}


def _fixed(url: str) -> Callable[[District], str]:
    return lambda district: url


for _key, _dataset in DATASETS.items():
    MATRIX[("GET", f"/api/exports/{_key}")] = RouteCall(
        kind="list",
        url=_fixed(f"/api/exports/{_key}"),
        persona="analyst" if _dataset.pseudonymised else "supervisor_a",
    )
EXPORTERS = {"supervisor_a", "health_protection"}  # the right to export identifiable records
STATISTICS = {"supervisor_a", "health_protection", "analyst", "admin"}
IDENTIFIABLE = ["cases", "contacts", "people", "tasks"]
PSEUDONYMISED = ["cases-pseudonymised", "contacts-pseudonymised"]


def _client(world: World, persona: str) -> tuple[Client, str]:
    key = bearer_token(world.users[persona])
    return Client(headers={"Authorization": f"Bearer {key}"}), key


def _confirmed(world: World, persona: str) -> Client:
    client, _ = _client(world, persona)
    device = twofactor.confirmed_device(world.users[persona])
    code = twofactor.current_code(device) if device else ""
    response = call(client, "POST", "/api/exports/confirm", {"password": PASSWORD, "code": code})
    assert response.status_code == 200, response.content
    return client


def _body(response: Any) -> bytes:
    if isinstance(response, StreamingHttpResponse) or response.streaming:
        return b"".join(response.streaming_content)
    return bytes(response.content)


def _csv(response: Any) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(_body(response).decode("utf-8-sig"))))


@pytest.mark.parametrize("persona", PERSONAS)
def test_access_matrix(world: World, persona: str) -> None:
    client = _confirmed(world, persona) if persona in STATISTICS else _client(world, persona)[0]
    listing = client.get("/api/exports")
    assert listing.status_code == (200 if persona in STATISTICS else 403)
    assert client.get("/api/exports/kpis?days=1").status_code == listing.status_code
    for key in IDENTIFIABLE:
        response = client.get(f"/api/exports/{key}")
        assert response.status_code == (200 if persona in EXPORTERS else 403), key
    for key in PSEUDONYMISED:
        response = client.get(f"/api/exports/{key}")
        assert response.status_code == (200 if persona == "analyst" else 403), key
    if listing.status_code == 200:
        offered = {item["key"] for item in listing.json()}
        expected = {"kpis"} | (set(IDENTIFIABLE) if persona in EXPORTERS else set())
        expected |= set(PSEUDONYMISED) if persona == "analyst" else set()
        assert offered == expected


def test_a_token_must_be_confirmed_by_its_holders_password(world: World) -> None:
    client, _ = _client(world, "supervisor_a")
    refused = client.get("/api/exports/cases")
    assert refused.status_code == 403
    assert "/api/exports/confirm" in refused.json()["detail"]
    assert not AuditEvent.objects.filter(action="export").exists()

    wrong = call(client, "POST", "/api/exports/confirm", {"password": "not-it"})
    assert wrong.status_code == 403 and "password" in wrong.json()["detail"]
    assert LoginFailure.objects.filter(username="supervisor_a").count() == 1
    assert client.get("/api/exports/cases").status_code == 403

    start = timezone.now().replace(microsecond=0)  # JSON keeps milliseconds
    with time_machine.travel(start, tick=False):
        ok = call(client, "POST", "/api/exports/confirm", {"password": PASSWORD})
        assert ok.status_code == 200
        until = dt.datetime.fromisoformat(ok.json()["confirmed_until"])
        assert until == start + dt.timedelta(seconds=settings.REAUTH_SECONDS)
        assert client.get("/api/exports/cases").status_code == 200
        # Another token of the same person is not confirmed by this one.
        other, _ = _client(world, "supervisor_a")
        assert other.get("/api/exports/cases").status_code == 403
    later = start + dt.timedelta(seconds=settings.REAUTH_SECONDS + 1)
    with time_machine.travel(later, tick=False):
        assert client.get("/api/exports/cases").status_code == 403
        # The aggregate KPI table needs no confirmation.
        assert client.get("/api/exports/kpis?days=1").status_code == 200
    confirmations = AuditEvent.objects.filter(purpose="confirmed password before exporting")
    assert confirmations.count() == 1


def test_a_session_confirms_on_the_web_page_or_the_endpoint(world: World, login: Any) -> None:
    from tracedesk.accounts.reauth import SESSION_KEY

    client = login("supervisor_a")
    session = client.session
    del session[SESSION_KEY]  # signed in a while ago
    session.save()
    assert client.get("/api/exports/cases").status_code == 403
    device = twofactor.confirmed_device(world.users["supervisor_a"])
    code = twofactor.current_code(device) if device else ""
    confirmed = call(client, "POST", "/api/exports/confirm", {"password": PASSWORD, "code": code})
    assert confirmed.status_code == 200, confirmed.content
    assert client.get("/api/exports/cases").status_code == 200


def test_export_is_scoped_streamed_and_audits_every_id(world: World) -> None:
    client = _confirmed(world, "supervisor_a")
    response = client.get("/api/exports/contacts?format=csv")
    assert response.status_code == 200
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Disposition"].startswith('attachment; filename="tracedesk-contacts-')
    rows = _csv(response)
    assert [int(row["id"]) for row in rows] == [world.district("a").contact.pk]  # not Camden's
    assert rows[0]["person_first_name"] == "Contacta" or rows[0]["person_first_name"]
    events = AuditEvent.objects.filter(action="export", object_type="cases.contact")
    assert {e.source for e in events} == {"api"}
    assert {e.actor for e in events} == {world.users["supervisor_a"]}
    exported = {int(pk) for e in events for pk in e.object_ids}
    assert exported == {int(row["id"]) for row in rows}
    assert "Testperson" not in str([e.__dict__ for e in events])


def test_the_api_file_is_the_web_file(world: World, login: Any) -> None:
    """Same rows, same columns, same minimisation as the web export."""
    from tracedesk.accounts.reauth import SESSION_KEY

    for persona in ["supervisor_a", "health_protection"]:
        web = login(persona)
        session = web.session
        session[SESSION_KEY] = timezone.now().timestamp()
        session.save()
        api = _confirmed(world, persona)
        for key in IDENTIFIABLE:
            assert _csv(api.get(f"/api/exports/{key}")) == _csv(web.get(f"/exports/{key}.csv"))


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "parquet"])
def test_every_format(world: World, fmt: str) -> None:
    client = _confirmed(world, "health_protection")
    response = client.get(f"/api/exports/cases?format={fmt}")
    assert response.status_code == 200
    data = _body(response)
    if fmt == "csv":
        ids = [int(row["id"]) for row in csv.DictReader(io.StringIO(data.decode("utf-8-sig")))]
    elif fmt == "xlsx":
        rows = list(load_workbook(io.BytesIO(data)).worksheets[0].iter_rows(values_only=True))
        ids = [row[rows[0].index("id")] for row in rows[1:]]
    else:
        ids = pq.read_table(io.BytesIO(data)).column("id").to_pylist()
    assert ids == [world.district("a").case.pk]
    assert client.get("/api/exports/cases?format=docx").status_code == 422
    assert client.get("/api/exports/kpis?days=0").status_code == 422


# --- Pseudonymised lists for analysts ----------------------------------------------------


def _identifying_values() -> set[str]:
    values: set[str] = set()
    for person in Person.objects.select_related("address"):
        values |= {person.first_name, person.last_name, person.nhs_number, person.phone}
        values |= {person.email, str(person.pk)}
        if person.date_of_birth:
            values |= {person.date_of_birth.isoformat(), person.date_of_birth.strftime("%d/%m")}
        if person.address:
            values |= {person.address.postcode, person.address.line1}
    return {v for v in values if v and len(v) > 1}


@pytest.mark.parametrize("key", PSEUDONYMISED)
@pytest.mark.parametrize("fmt", ["csv", "xlsx", "parquet"])
def test_pseudonymised_export_holds_no_identifying_value(world: World, key: str, fmt: str) -> None:
    client = _confirmed(world, "analyst")
    response = client.get(f"/api/exports/{key}?format={fmt}")
    assert response.status_code == 200
    data = _body(response)
    if fmt == "csv":
        text = data.decode("utf-8-sig")
        rows = list(csv.DictReader(io.StringIO(text)))
    elif fmt == "xlsx":
        values = list(load_workbook(io.BytesIO(data)).worksheets[0].iter_rows(values_only=True))
        rows = [dict(zip(values[0], row, strict=True)) for row in values[1:]]
        text = repr(values)
    else:
        rows = pq.read_table(io.BytesIO(data)).to_pylist()
        text = repr(rows)
    assert len(rows) == 2  # both districts: the analyst covers England
    for value in _identifying_values():
        for row in rows:
            assert value not in {str(v) for v in row.values()}, (value, row)
    for value in ["Testperson", "Casea", "Contacta", "07700900001", "9434765919", " Street"]:
        assert value.lower() not in text.lower()
    names = set(rows[0])
    assert not names & {"first_name", "last_name", "nhs_number", "phone", "email", "id"}
    assert {"person", "age_band", "postcode_district", "jurisdiction_code"} <= names
    own = "case" if key == "cases-pseudonymised" else "contact"
    model = DATASETS[key].model
    ids = sorted(model._default_manager.values_list("pk", flat=True))
    assert sorted(str(row[own]) for row in rows) == sorted(pseudonym(own, pk) for pk in ids)
    exported = AuditEvent.objects.filter(action="export", object_type=model._meta.label_lower)
    assert {int(pk) for e in exported for pk in e.object_ids} == set(ids)


def test_pseudonyms_are_stable_across_exports_and_lists(world: World) -> None:
    client = _confirmed(world, "analyst")
    first = _csv(client.get("/api/exports/cases-pseudonymised"))
    again = _csv(client.get("/api/exports/cases-pseudonymised"))
    contacts = _csv(client.get("/api/exports/contacts-pseudonymised"))
    assert first == again
    case_a = world.district("a").case
    row = next(r for r in first if r["case"] == pseudonym("case", case_a.pk))
    assert row["person"] == pseudonym("person", case_a.person_id)
    assert row["postcode_district"] == "LS6"
    assert row["age_band"] in {"40-44", "45-49"}  # born 1980, on the specimen date
    assert row["jurisdiction_code"] == "E08000035"
    linked = [r for r in contacts if r["case"] == row["case"]]
    assert len(linked) == 1  # the contact's case pseudonym joins to the case's


def test_pseudonymised_export_in_the_web_too(world: World, login: Any) -> None:
    from tracedesk.accounts.reauth import SESSION_KEY

    client = login("analyst")
    session = client.session
    session[SESSION_KEY] = timezone.now().timestamp()
    session.save()
    index = client.get("/exports/")
    assert b"/exports/cases-pseudonymised.csv" in index.content
    assert b"/exports/cases.csv" not in index.content
    rows = _csv(client.get("/exports/cases-pseudonymised.csv"))
    assert {r["case"] for r in rows} == {pseudonym("case", pk) for pk in [
        world.district("a").case.pk, world.district("b").case.pk]}  # fmt: skip
