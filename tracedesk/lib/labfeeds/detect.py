"""Detecting a feed's format from its first bytes, and opening a feed."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Mapping
from pathlib import Path

from .csvfeed import CsvFeed, resolve_columns
from .fhirfeed import FhirBundleFeed, FhirNdjsonFeed
from .hl7feed import Hl7Feed
from .records import FORMATS, Feed, FeedError

#: How much of the file detection reads.
HEAD_BYTES = 64 * 1024
#: A CSV header must name at least this many canonical fields (directly or by the mapping).
MIN_CSV_FIELDS = 3

_JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[{}\[\]:,]')
_COLON = ":"
_RESOURCE_TYPE_KEY = '"resourceType"'
_ASK = "pass the format explicitly (--format csv, fhir-ndjson, fhir-bundle or hl7)"


def _top_level_resource_type(text: str) -> str | None:
    """``resourceType`` of the top-level JSON object in ``text`` (possibly cut short)."""
    depth = 0
    previous = ""
    state = 0  # 1: the key "resourceType" was read at depth 1; 2: and its colon
    for match in _JSON_TOKEN.finditer(text):
        token = match.group()
        if state == 1:
            state = 2 if token == _COLON else 0
        elif state == 2:
            if token.startswith('"'):
                value: object = json.loads(token)
                return value if isinstance(value, str) else None
            state = 0
        if token in ("{", "["):
            depth += 1
        elif token in ("}", "]"):
            depth -= 1
        elif depth == 1 and token == _RESOURCE_TYPE_KEY and previous in ("{", ","):
            state = 1
        previous = token
    return None


def _json_object(line: bytes) -> dict[str, object] | None:
    try:
        value = json.loads(line)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _detect_json(head: bytes, complete: bool) -> str:
    lines = head.split(b"\n")
    if not complete:
        lines.pop()  # the last line may be cut short
    objects = [_json_object(line) for line in lines if line.strip()]
    first = objects[0] if objects else None
    if first is not None and first.get("resourceType") == "Bundle":
        if len(objects) == 1 and complete:
            return "fhir-bundle"
        raise FeedError(f"a Bundle followed by more JSON lines: cannot tell the format; {_ASK}")
    if first is not None or any(o is not None for o in objects[1:]):
        return "fhir-ndjson"
    text = head.decode("utf-8", errors="ignore")
    if _top_level_resource_type(text) == "Bundle":
        return "fhir-bundle"
    raise FeedError(f"JSON that is neither a FHIR Bundle nor one object per line; {_ASK}")


def _detect_csv(head: bytes, complete: bool, mapping: Mapping[str, str] | None) -> str:
    try:
        text = head.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if not complete and exc.start >= len(head) - 3:
            text = head[: exc.start].decode("utf-8-sig")
        else:
            text = head.decode("cp1252", errors="replace")
    try:
        header = next(csv.reader(io.StringIO(text)), [])
    except csv.Error:
        header = []
    named = {c for c in resolve_columns(header, mapping) if c} if len(header) > 1 else set()
    if len(named) >= MIN_CSV_FIELDS:
        return "csv"
    raise FeedError(f"unrecognised feed format; {_ASK}")


def detect_format(path: str | Path, *, mapping: Mapping[str, str] | None = None) -> str:
    """The format of the feed at ``path``: ``csv``, ``fhir-ndjson``, ``fhir-bundle`` or ``hl7``.

    Reads only the first :data:`HEAD_BYTES` of the file. MLLP framing or a first segment
    ``MSH|``, ``FHS|`` or ``BHS|`` is HL7; a JSON object whose top-level ``resourceType`` is
    ``Bundle`` is a Bundle; JSON objects one per line are NDJSON; a header row naming at least
    :data:`MIN_CSV_FIELDS` canonical fields (directly or through ``mapping``) is CSV. Anything
    else raises :class:`FeedError` asking for the format to be given.
    """
    path = Path(path)
    with path.open("rb") as stream:
        head = stream.read(HEAD_BYTES)
        complete = not stream.read(1)
    start = head.removeprefix(b"\xef\xbb\xbf").lstrip(b" \t\r\n")
    if not start:
        raise FeedError(f"{path.name} is empty")
    if start[:1] == b"\x0b" or start[:4] in (b"MSH|", b"FHS|", b"BHS|"):
        return "hl7"
    if start[:1] == b"{":
        return _detect_json(start, complete)
    if start[:1] == b"[":
        raise FeedError(f"a JSON array is not a feed format; {_ASK}")
    return _detect_csv(head, complete, mapping)


def open_feed(
    path: str | Path,
    *,
    format: str | None = None,
    mapping: Mapping[str, str] | None = None,
    skip: int = 0,
) -> Feed:
    """Open the feed at ``path`` (detecting its format unless ``format`` is given).

    ``mapping`` (source column → canonical field) applies to CSV only and is ignored for the
    other formats. Raises :class:`FeedError` when the format cannot be detected or the file
    cannot be read as a feed at all.
    """
    chosen = format or detect_format(path, mapping=mapping)
    if chosen == "csv":
        return CsvFeed(path, mapping=mapping, skip=skip)
    if chosen == "fhir-ndjson":
        return FhirNdjsonFeed(path, skip=skip)
    if chosen == "fhir-bundle":
        return FhirBundleFeed(path, skip=skip)
    if chosen == "hl7":
        return Hl7Feed(path, skip=skip)
    raise ValueError(f"unknown feed format {chosen!r} (expected one of: {', '.join(FORMATS)})")
