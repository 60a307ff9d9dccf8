"""Export pages: who may export what, streaming, scope, shaping and the audit trail."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable
from typing import Any

import pyarrow.parquet as pq
import pytest
from django.http import StreamingHttpResponse
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from tracedesk.accounts.reauth import SESSION_KEY
from tracedesk.audit.models import AuditEvent
from tracedesk.exports.datasets import DATASETS
from tracedesk.testing.world import PERSONAS, World

EXPORTS_ROUTES = {"export-index", "export-kpis", "export-dataset"}
EXPORTERS = {"supervisor_a", "health_protection"}  # the right to export records
STATISTICS = {"supervisor_a", "health_protection", "analyst", "admin"}


@pytest.fixture
def login(login: Callable[[str], Client]) -> Callable[[str], Client]:
    """Sign in as a persona who has just confirmed their password (as the export asks)."""

    def _login(persona: str) -> Client:
        client = login(persona)
        session = client.session
        session[SESSION_KEY] = timezone.now().timestamp()
        session.save()
        return client

    return _login


def _body(response: Any) -> bytes:
    if isinstance(response, StreamingHttpResponse):
        return b"".join(response.streaming_content)  # type: ignore[arg-type]
    return b"".join(response.streaming_content) if response.streaming else response.content


def _csv(response: Any) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(_body(response).decode("utf-8-sig"))))


@pytest.mark.parametrize("persona", PERSONAS)
def test_access_matrix(world: World, login: Callable[[str], Client], persona: str) -> None:
    client = login(persona)
    index = client.get(reverse("export-index"))
    assert index.status_code == (200 if persona in STATISTICS else 403)
    kpis = client.get(reverse("export-kpis", args=["csv"]), {"days": "2"})
    assert kpis.status_code == (200 if persona in STATISTICS else 403)
    for key, dataset in DATASETS.items():
        response = client.get(reverse("export-dataset", args=[key, "csv"]))
        allowed = persona == "analyst" if dataset.pseudonymised else persona in EXPORTERS
        assert response.status_code == (200 if allowed else 403), key
    if persona in EXPORTERS:
        assert b"Cases" in index.content and b"People" in index.content
    elif persona in STATISTICS:
        assert b"/exports/cases.csv" not in index.content  # only what they may export


def test_cases_export_is_scoped_streamed_and_audited(
    world: World, login: Callable[[str], Client]
) -> None:
    client = login("supervisor_a")
    response = client.get(reverse("export-dataset", args=["cases", "csv"]))
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Disposition"].startswith('attachment; filename="tracedesk-cases-')
    rows = _csv(response)
    assert [int(row["id"]) for row in rows] == [world.district("a").case.pk]  # not Camden's
    assert rows[0]["jurisdiction_code"] == "E08000035"
    assert rows[0]["person_last_name"] == "Testperson"
    assert rows[0]["person_nhs_number"] == "9434765919"
    event, ids = AuditEvent.objects.filter(action="export").order_by("pk")
    assert (event.object_type, event.purpose, event.actor) == (
        "cases.case",
        "export cases as csv",
        world.users["supervisor_a"],
    )
    # Then, as the rows leave, the ids exported.
    assert (ids.object_type, ids.object_ids, ids.purpose) == (
        "cases.case",
        [world.district("a").case.pk],
        "export cases as csv: rows 1-1",
    )
    assert "Testperson" not in str(event.__dict__) + str(ids.__dict__)


@pytest.mark.parametrize("key", sorted(DATASETS))
@pytest.mark.parametrize("fmt", ["csv", "xlsx", "parquet"])
def test_every_list_exports_in_every_format(
    world: World, login: Callable[[str], Client], key: str, fmt: str
) -> None:
    persona = "analyst" if DATASETS[key].pseudonymised else "health_protection"
    response = login(persona).get(reverse("export-dataset", args=[key, fmt]))
    assert response.status_code == 200
    data = _body(response)
    if fmt == "csv":
        header = next(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
        rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))[1:]
    elif fmt == "xlsx":
        sheet = load_workbook(io.BytesIO(data)).worksheets[0]
        values = list(sheet.iter_rows(values_only=True))
        header, rows = [str(v) for v in values[0]], values[1:]
        assert response["X-Export-Rows"] == str(len(rows))
    else:
        table = pq.read_table(io.BytesIO(data))
        header, rows = table.schema.names, table.to_pylist()
    if DATASETS[key].pseudonymised:
        assert header[0] == "jurisdiction_code" and "id" not in header
    else:
        assert header[0] in {"id", "jurisdiction_code"} and "id" in header
    assert len(rows) >= 1  # Leeds's records (health protection covers Yorkshire)
    assert "match_key" not in header


def test_an_export_asks_for_a_recent_password_first(
    world: World, login: Callable[[str], Client]
) -> None:
    client = login("supervisor_a")
    session = client.session
    del session[SESSION_KEY]
    session.save()
    url = reverse("export-dataset", args=["people", "csv"])
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("reauthenticate"))
    assert not AuditEvent.objects.filter(action="export").exists()
    # The aggregate KPI table needs no confirmation.
    assert client.get(reverse("export-kpis", args=["csv"]), {"days": "1"}).status_code == 200


def test_kpi_table_export(world: World, login: Callable[[str], Client]) -> None:
    from tracedesk.kpis.summary import rebuild_days

    today = timezone.localdate()
    rebuild_days([today - dt.timedelta(days=n) for n in range(3)])  # what the worker keeps fresh
    client = login("analyst")
    rows = _csv(client.get(reverse("export-kpis", args=["csv"]), {"days": "3"}))
    assert {row["kpi"] for row in rows} >= {"cases_transferred", "cases_reached_24h"}
    assert len({row["day"] for row in rows}) == 3
    transferred = sum(int(row["numerator"]) for row in rows if row["kpi"] == "cases_transferred")
    assert transferred >= 2  # district A's and B's cases (the analyst covers England)
    for bad in ["0", "367", "many"]:
        response = client.get(reverse("export-kpis", args=["csv"]), {"days": bad})
        assert response.status_code == 400 and b"days" in response.content
    assert AuditEvent.objects.filter(action="export", object_type="kpis.table").count() == 1


def test_unknown_lists_and_formats_are_404_and_wrong_methods_405(
    world: World, login: Callable[[str], Client]
) -> None:
    client = login("supervisor_a")
    assert client.get("/exports/nothing.csv").status_code == 404
    assert client.get("/exports/cases.docx").status_code == 404
    assert client.get("/exports/kpis.docx").status_code == 404
    for url in ["/exports/", "/exports/cases.csv", "/exports/kpis.csv"]:
        assert client.post(url).status_code == 405
        response = Client().get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("persona", ["tracer_a", "supervisor_a", "analyst", "admin"])
@pytest.mark.parametrize("key", sorted(DATASETS))
def test_the_fast_selection_gives_exactly_what_the_shaping_seam_gives(
    world: World, persona: str, key: str
) -> None:
    from tracedesk.exports.datasets import _selection, columns_for, shape_row

    user = world.users[persona]
    dataset = DATASETS[key]
    selection = _selection(user, dataset)
    if persona == "analyst" or dataset.pseudonymised:
        assert selection is None  # pseudonyms: every row goes through the seam
        return
    assert selection is not None
    sample = [f"value {n}" for n in range(len(dataset.fields))]
    assert [sample[n] for n in selection] == shape_row(user, dataset, sample)
    assert len(selection) == len(columns_for(user, dataset))
    names = {column.name for column in columns_for(user, dataset)}
    if persona == "tracer_a":  # a call handler does not need the NHS number
        assert not names & {"nhs_number", "person_nhs_number"}
    if persona == "supervisor_a" and key in {"cases", "people"}:
        assert names & {"nhs_number", "person_nhs_number"}
