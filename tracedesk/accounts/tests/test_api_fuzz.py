"""Schemathesis over /api/openapi.json as each persona: no server errors, nothing out of scope.

Every operation of the served schema gets requests generated from its own
parameter and body schemas (Hypothesis, derandomised so a run is repeatable).
Path ids are drawn half the time from the small world's real records of both
districts, so scope is exercised, not only 404s for random ids. Each response
must be below 500 and must not contain any identifying value of a record the
persona may not see (the other district's names, NHS number, postcode,
specimen and venue; for analysts and administrators, anyone's).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import schemathesis
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tracedesk.testing.api_routes import bearer_token
from tracedesk.testing.world import PERSONAS, World

MAX_EXAMPLES = 6  # per operation and persona: the suite stays fast; derandomised

SENTINELS = {
    "a": ("CaseA", "ContactA", "9434765919", "LS6 3AB", "A Community Centre", "SPEC-A"),
    "b": ("CaseB", "ContactB", "9434765870", "NW1 2BB", "B Community Centre", "SPEC-B"),
}
# Which district's identifying values each persona must never receive.
FORBIDDEN = {
    "tracer_a": SENTINELS["b"],
    "supervisor_a": SENTINELS["b"],
    "health_protection": SENTINELS["b"],  # Yorkshire: Leeds, not Camden
    "tracer_b": SENTINELS["a"],
    "analyst": SENTINELS["a"] + SENTINELS["b"],
    "admin": SENTINELS["a"] + SENTINELS["b"],
}


def _known_ids(world: World) -> list[int]:
    ids: set[int] = set()
    for name in ("a", "b"):
        district = world.district(name)
        for record in (
            district.person,
            district.case,
            district.contact,
            district.setting,
            district.case_task,
        ):
            ids.add(int(record.pk))
    return sorted(ids)


def _send(client: Client, case: Any, token: str) -> Any:
    headers = {key: str(value) for key, value in (case.headers or {}).items()}
    headers["Authorization"] = f"Bearer {token}"
    query = case.query or {}
    path = case.formatted_path
    body = case.body
    has_body = body is not None and type(body).__name__ != "NotSet"
    kwargs: dict[str, Any] = {"headers": headers, "QUERY_STRING": ""}
    if query:
        from urllib.parse import urlencode

        kwargs["QUERY_STRING"] = urlencode(query, doseq=True)
    method = case.method.lower()
    if not has_body:
        return getattr(client, method)(path, **kwargs)
    media = case.media_type or "application/json"
    if media == "application/json":
        return getattr(client, method)(
            path, data=json.dumps(body), content_type="application/json", **kwargs
        )
    if media.startswith("multipart/"):
        return getattr(client, method)(path, data=_form(body), **kwargs)
    payload = body if isinstance(body, bytes | str) else json.dumps(body)
    return getattr(client, method)(path, data=payload, content_type=media, **kwargs)


def _form(body: Any) -> dict[str, Any]:
    """A multipart body as the test client posts it: files as uploads, no None values."""

    def value(name: str, item: Any) -> Any:
        if isinstance(item, bytes):
            return SimpleUploadedFile(name, item)
        return item if isinstance(item, str) else json.dumps(item)

    form: dict[str, Any] = {}
    for name, item in (body or {}).items():
        if item is None:
            continue
        if isinstance(item, list):
            form[name] = [value(name, part) for part in item if part is not None]
        else:
            form[name] = value(name, item)
    return form


def test_a_huge_offset_is_refused_not_a_server_error(world: World) -> None:
    token = bearer_token(world.users["tracer_a"])
    client = Client(raise_request_exception=False, headers={"Authorization": f"Bearer {token}"})
    response = client.get("/api/contacts", {"offset": 2**70})
    assert response.status_code == 422


def test_match_decisions_show_no_out_of_scope_candidate(world: World) -> None:
    from tracedesk.people.access import persons_for

    token = bearer_token(world.users["tracer_b"])
    client = Client(headers={"Authorization": f"Bearer {token}"})
    seen = ""
    for person_id in persons_for(world.users["tracer_b"]).values_list("pk", flat=True):
        response = client.get(f"/api/people/{person_id}/match-decisions")
        assert response.status_code == 200
        seen += response.content.decode()
    assert not [value for value in SENTINELS["a"] if value in seen]


@pytest.mark.parametrize("persona", PERSONAS)
def test_schemathesis_finds_no_server_error_and_no_out_of_scope_record(
    world: World, persona: str
) -> None:
    served = Client().get("/api/openapi.json")
    assert served.status_code == 200
    schema = schemathesis.openapi.from_dict(served.json())
    token = bearer_token(world.users[persona])
    known = _known_ids(world)
    forbidden = FORBIDDEN[persona]
    client = Client(raise_request_exception=False)
    problems: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]  # type: ignore[union-attr]
    assert len(operations) >= 10

    for operation in operations:
        _fuzz(
            operation,
            client=client,
            token=token,
            known=known,
            forbidden=forbidden,
            where_prefix=persona,
            problems=problems,
        )

    assert problems == [], "\n".join(sorted(set(problems)))


def _fuzz(
    operation: Any,
    *,
    client: Client,
    token: str,
    known: list[int],
    forbidden: tuple[str, ...],
    where_prefix: str,
    problems: list[str],
) -> None:
    """Send MAX_EXAMPLES generated requests to one operation; note each problem."""
    int_params = [
        parameter.name
        for parameter in operation.path_parameters
        if (parameter.definition.get("schema") or {}).get("type") == "integer"
    ]

    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(), data=st.data())
    def run(case: Any, data: st.DataObject) -> None:
        for name in int_params:
            chosen = data.draw(st.sampled_from([None, *known]))
            if chosen is not None:
                case.path_parameters[name] = chosen
        response = _send(client, case, token)
        where = f"{where_prefix} {case.method} {case.formatted_path} query={case.query}"
        if response.status_code >= 500:
            problems.append(f"{where}: {response.status_code}")
            return
        # Exports stream: read every chunk, so a streamed file is checked for scope too.
        body = b"".join(response.streaming_content) if response.streaming else response.content
        text = body.decode(errors="replace")
        leaked = [value for value in forbidden if value in text]
        if leaked and response.status_code < 300:
            problems.append(f"{where}: returned out-of-scope values {leaked}")

    run()
