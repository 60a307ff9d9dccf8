"""Every operation of the API, read from the NinjaAPI itself, so tests can cover them all."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from django.test import Client

from tracedesk.accounts.actions import issue_token
from tracedesk.accounts.models import User
from tracedesk.api import api
from tracedesk.testing.world import District

HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
# URL patterns ninja adds for itself rather than for an operation.
NINJA_OWN_URLS = {"openapi-json", "openapi-view", "api-root"}


class Route(NamedTuple):
    method: str  # upper case, e.g. "GET"
    path: str  # OpenAPI template, e.g. "/api/cases/{case_id}"


def api_route_matrix() -> list[Route]:
    """Return every (method, path template) the API serves, sorted.

    Read from the OpenAPI schema, then checked against the URL patterns so an
    operation left out of the schema (``include_in_schema=False``) cannot
    escape the tests either.
    """
    paths = api.get_openapi_schema(path_prefix="/api/")["paths"]
    routes = sorted(
        Route(method.upper(), path)
        for path, operations in paths.items()
        for method in operations
        if method in HTTP_METHODS
    )
    methods_per_path = Counter(route.path for route in routes)
    patterns_per_path = Counter(
        "/api/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", str(pattern.pattern))
        for pattern in api.urls[0]
        if getattr(pattern, "name", None) not in NINJA_OWN_URLS
    )
    hidden = {
        path: count
        for path, count in patterns_per_path.items()
        if count > methods_per_path.get(path, 0)
    }
    if hidden:
        raise AssertionError(f"API operations missing from the OpenAPI schema: {hidden}")
    return routes


# --- Helpers for the API tests -------------------------------------------------

# Who may read district A's records, and what everyone else gets.
SEES_DISTRICT_A = ("tracer_a", "supervisor_a", "health_protection")
OUTSIDE_SCOPE = ("tracer_b",)
NO_PERSONAL_DATA_RIGHT = ("analyst", "admin")


@dataclass(frozen=True)
class RouteCall:
    """How to call one route for one district's records, and what a list should hold.

    ``kind`` is "list" (scoped collection: 200, out-of-scope rows absent),
    "detail" (one object or its sub-list: 404 outside scope) or "create".
    """

    kind: str
    url: Callable[[District], str]
    body: Callable[[District], dict[str, Any]] | None = None
    # The ids a list must show to someone who sees the district (and hide from others).
    ids: Callable[[District], set[int]] = field(default=lambda district: set())
    # Who exercises the route in the generic checks (wrong methods, bad ids).
    persona: str = "tracer_a"


def bearer_token(user: User, name: str = "tests") -> str:
    """Issue a real API token for ``user`` and return the key."""
    _, key = issue_token(user, name, actor=None, source="tests")
    return key


def token_client(user: User) -> Client:
    """Return a test client that sends a fresh bearer token of ``user``."""
    return Client(headers={"Authorization": f"Bearer {bearer_token(user)}"})


def call(client: Client, method: str, url: str, body: dict[str, Any] | None = None) -> Any:
    """Send one API request, with a JSON body when given."""
    send = getattr(client, method.lower())
    if body is None:
        return send(url)
    return send(url, data=json.dumps(body), content_type="application/json")


def response_ids(response: Any) -> set[int]:
    """Return the ids of the items in a list response."""
    return {item["id"] for item in response.json()["items"]}
