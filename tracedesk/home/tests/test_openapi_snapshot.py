"""The API's OpenAPI schema matches docs/openapi.json, so every API change is deliberate.

After an intended change, refresh the snapshot with:
    TRACEDESK_UPDATE_SNAPSHOTS=1 .venv/bin/pytest tracedesk/home/tests/test_openapi_snapshot.py
and commit docs/openapi.json with the change.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from tracedesk.api import api

SNAPSHOT = Path(__file__).resolve().parents[3] / "docs" / "openapi.json"


def current_schema() -> str:
    return json.dumps(api.get_openapi_schema(), indent=2, sort_keys=True) + "\n"


def test_openapi_schema_matches_the_snapshot() -> None:
    schema = current_schema()
    if os.environ.get("TRACEDESK_UPDATE_SNAPSHOTS") == "1":
        SNAPSHOT.write_text(schema, encoding="utf-8")
    assert SNAPSHOT.read_text(encoding="utf-8") == schema, (
        "The API changed: review the difference, then refresh docs/openapi.json "
        "(see this test's docstring)."
    )


def test_docs_api_md_lists_every_route() -> None:
    """docs/api.md's endpoint tables name every route the API serves, and no others."""
    import re

    schema = api.get_openapi_schema()
    served = {
        f"{method.upper()} {path}" for path, operations in schema["paths"].items()
        for method in operations
    }  # fmt: skip
    text = (SNAPSHOT.parent / "api.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `((?:GET|POST|PUT|PATCH|DELETE) /api/[^`]*)` \|", text, re.M))
    assert served - documented == set(), "routes missing from docs/api.md"
    assert documented - served == set(), "docs/api.md names routes the API does not serve"
