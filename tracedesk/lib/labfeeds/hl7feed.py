"""HL7 v2.5.1 ORU^R01 laboratory feeds (``docs/lab-feeds.md``, section HL7).

Messages are parsed with python-hl7 (PyPI ``hl7``): it is a small, dependency-free parser that
handles the encoding characters declared in MSH-2, escape sequences and repetitions, without
the schema-driven validation of ``hl7apy``, which would refuse the partial messages we must
still number and report.

The file is streamed in 1 MiB chunks (memory stays flat): segments end in ``\\r``, ``\\n`` or
``\\r\\n``; MLLP framing (``0x0B`` … ``0x1C 0x0D``) is optional; a message starts at each
``MSH`` segment. Batch envelopes (``FHS``/``BHS`` … ``BTS``/``FTS``) are not records; the sum
of the ``BTS-1`` counts is the ``declared_count``, known once iteration has finished. A
record's number is the message's 1-based position in the file; its ``raw`` is the message's
segments joined by ``\\r``. A time without a UTC offset is taken as UTC and the feed carries a
warning saying so.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, BinaryIO

import hl7
from hl7.util import unescape

from .convert import (
    SEX_LETTERS,
    ConversionError,
    RecordBuilder,
    hl7_date,
    hl7_datetime,
    snomed_result,
)
from .records import CANONICAL_FIELDS, RECORD, Feed, RecordError, SourceRecord

NO_OFFSET_WARNING = "some HL7 date-times have no UTC offset; they were taken as UTC"
CP1252_WARNING = "some messages are not valid UTF-8; they were read as Windows-1252"

_CHUNK = 1 << 20
_START, _END = b"\x0b", b"\x1c"
_SPLIT = re.compile(rb"(\x0b|\x1c)|[\r\n]+")
_ENVELOPE = frozenset({b"FHS", b"BHS", b"BTS", b"FTS"})
_EMPTY = dict.fromkeys(CANONICAL_FIELDS, "")


def _tokens(stream: BinaryIO) -> Iterator[bytes]:
    """Segments (non-empty bytes) and MLLP markers (``_START``/``_END``) in file order."""
    pending = b""
    while chunk := stream.read(_CHUNK):
        parts = _SPLIT.split(pending + chunk)
        pending = parts.pop()  # the last piece may be an incomplete segment
        for index, part in enumerate(parts):
            if index % 2:
                if part is not None:
                    yield part
            elif part:
                yield part
    if pending:
        yield pending


def _bad_encoding_characters(text: str) -> str:
    """Why MSH-1/MSH-2 cannot be used as delimiters, or ``""``."""
    separator = text[3:4]
    encoding = text[4:].split(separator, 1)[0] if separator else ""
    delimiters = separator + encoding[:4]
    if (
        len(encoding) < 4
        or len(set(delimiters)) != 5
        or any(c.isalnum() or c in " \r\n" for c in delimiters)
    ):
        return f"MSH-1/MSH-2 do not declare usable delimiters: {text[:9]!r}"
    return ""


def _get(segment: hl7.Segment | None, field: int, rep: int = 1, comp: int = 1, sub: int = 1) -> str:
    """A value by HL7 position, unescaped and stripped; ``""`` when it is not there.

    Follows python-hl7's ``extract_field`` rules (a leaf stands for its first component and
    subcomponent; a deeper tree yields its first leaf) without its per-call bookkeeping.
    """
    if segment is None or field >= len(segment):
        return ""
    node: Any = segment[field]
    for index in (rep, comp, sub):
        if isinstance(node, str):
            if index != 1:
                return ""
        elif index > len(node):
            return ""
        else:
            node = node[index - 1]
    while not isinstance(node, str):
        if not node:
            return ""
        node = node[0]
    if segment.esc in node:
        node = unescape(segment, node)
    return str(node).strip()


def _repetitions(segment: hl7.Segment | None, field: int) -> int:
    if segment is None or field >= len(segment):
        return 0
    value = segment(field)
    return len(value) if value and isinstance(value[0], hl7.Repetition) else 1


#: The segments read, and how many fields of each (MSH counts MSH-1, the separator, as a field).
_NEEDED_FIELDS = {"MSH": 12, "PID": 13, "OBR": 22, "OBX": 5, "SPM": 17}


def _needed(text: str) -> str:
    """The message cut down to the segments and fields read: python-hl7 builds an object for
    every component it parses, and real messages carry segments (ORC, NTE, PV1…) and trailing
    fields that are never read."""
    separator = text[3]
    kept = []
    for segment in text.split("\r"):
        count = _NEEDED_FIELDS.get(segment[:3])
        if count is not None:
            kept.append(separator.join(segment.split(separator, count + 1)[: count + 1]))
    return "\r".join(kept)


def _segments(message: hl7.Message, name: str) -> list[hl7.Segment]:
    return [segment for segment in message if str(segment[0]) == name]


class Hl7Feed(Feed):
    """An HL7 v2.5.1 file of ORU^R01 messages, MLLP-framed or not, with or without a batch
    envelope; one record per message (one OBX per message)."""

    format = "hl7"

    def __iter__(self) -> Iterator[SourceRecord]:
        self.records_read = 0
        declared: int | None = None
        current: list[bytes] = []
        in_frame = False
        with self.path.open("rb") as stream:
            for token in _tokens(stream):
                if token == _START:
                    if current:
                        yield from self._flush(current, truncated=in_frame)
                        current = []
                    in_frame = True
                elif token == _END:
                    if current:
                        yield from self._flush(current, truncated=False)
                        current = []
                    in_frame = False
                elif token[:3] in _ENVELOPE:
                    if current:
                        yield from self._flush(current, truncated=False)
                        current = []
                    if token[:3] == b"BTS":
                        count = self._batch_count(token)
                        if count is not None:
                            declared = (declared or 0) + count
                elif token[:3] == b"MSH":
                    if current:
                        yield from self._flush(current, truncated=False)
                    current = [token]
                else:
                    current.append(token)
            if current:
                yield from self._flush(current, truncated=in_frame)
        self.declared_count = declared

    def _batch_count(self, segment: bytes) -> int | None:
        separator = segment[3:4] or b"|"
        fields = segment.split(separator)
        value = fields[1].strip() if len(fields) > 1 else b""
        if not value:
            return None
        if value.isdigit():
            return int(value)
        self.warn(f"BTS-1 {value.decode('latin-1')!r} is not a count; ignored")
        return None

    def _flush(self, segments: list[bytes], *, truncated: bool) -> Iterator[SourceRecord]:
        self.records_read += 1
        if self.records_read > self.skip:
            yield self._parse(self.records_read, segments, truncated=truncated)

    def _parse(self, number: int, segments: list[bytes], *, truncated: bool) -> SourceRecord:
        data = b"\r".join(segments)
        try:
            raw = data.decode("utf-8")
        except UnicodeDecodeError:
            raw = data.decode("cp1252", errors="replace")
            self.warn(CP1252_WARNING)
        if not raw.startswith("MSH"):
            reason = f"segments without an MSH segment before them (first: {raw[:3]!r})"
            return SourceRecord(number, dict(_EMPTY), raw, RecordError(RECORD, reason))
        problem = _bad_encoding_characters(raw)
        if problem:
            return SourceRecord(number, dict(_EMPTY), raw, RecordError(RECORD, problem))
        record = RecordBuilder(dict(_EMPTY))
        if truncated:
            record.fail(RECORD, "the MLLP frame is not closed: the message is truncated")
        try:
            self._read(hl7.parse(_needed(raw)), record)
        except Exception as exc:  # python-hl7 raises assorted errors on bad input
            detail = str(exc) or type(exc).__name__
            return SourceRecord(
                number,
                dict(_EMPTY),
                raw,
                RecordError(RECORD, f"the message cannot be parsed: {detail}"),
            )
        return record.build(number, raw)

    def _read(self, message: hl7.Message, record: RecordBuilder) -> None:
        fields = record.fields
        msh = message.segment("MSH")
        message_type = f"{_get(msh, 9, comp=1)}^{_get(msh, 9, comp=2)}"
        if message_type != "ORU^R01":
            record.fail(RECORD, f"message type {message_type!r} is not ORU^R01")
        version = _get(msh, 12)
        if version and not version.startswith("2."):
            record.warnings.append(f"MSH-12 version {version!r} is not HL7 v2")
        fields["lab_code"] = _get(msh, 4)

        found = {name: _segments(message, name) for name in ("PID", "OBR", "OBX", "SPM")}
        for name, text in (("PID", "no PID segment"), ("OBX", "no OBX segment")):
            if not found[name]:
                record.fail(RECORD, f"the message has {text} (truncated?)")
        if len(found["OBX"]) > 1:
            record.fail(
                RECORD,
                f"the message has {len(found['OBX'])} OBX segments; one result per message "
                "is expected",
            )
        pid = found["PID"][0] if found["PID"] else None
        obr = found["OBR"][0] if found["OBR"] else None
        obx = found["OBX"][0] if found["OBX"] else None
        spm = found["SPM"][0] if found["SPM"] else None

        fields["specimen_id"] = _get(spm, 2) or _get(obr, 3)
        fields["test_code"] = _get(obx, 3, comp=1)
        fields["test_name"] = _get(obx, 3, comp=2)
        if obx is not None:
            record.convert("result", _get(obx, 5, comp=1), snomed_result)
        assumed_utc = record.convert_datetime(
            "specimen_collected_at", _get(spm, 17) or _get(obr, 7), hl7_datetime
        )
        assumed_utc |= record.convert_datetime("result_at", _get(obr, 22), hl7_datetime)
        if assumed_utc:
            self.warn(NO_OFFSET_WARNING)

        if pid is not None:
            for rep in range(1, _repetitions(pid, 3) + 1):
                if _get(pid, 3, rep, 5) == "NH":
                    fields["nhs_number"] = _get(pid, 3, rep, 1)
                    break
            fields["last_name"] = _get(pid, 5, comp=1)
            fields["first_name"] = _get(pid, 5, comp=2)
            record.convert("date_of_birth", _get(pid, 7), hl7_date)
            record.convert("sex", _get(pid, 8), _hl7_sex)
            fields["address_line1"] = _get(pid, 11, comp=1)
            fields["address_line2"] = _get(pid, 11, comp=2)
            fields["town"] = _get(pid, 11, comp=3)
            fields["postcode"] = _get(pid, 11, comp=5)
            for rep in range(1, _repetitions(pid, 13) + 1):
                kind = _get(pid, 13, rep, 3)
                if kind == "PH" and not fields["phone"]:
                    fields["phone"] = _get(pid, 13, rep, 1)
                elif kind == "Internet" and not fields["email"]:
                    fields["email"] = _get(pid, 13, rep, 4)

        record.require("lab_code")
        record.require("specimen_id")
        record.require("test_code")


def _hl7_sex(value: str, field: str = "sex") -> str:
    """HL7 table 0001 ``F``/``M``/``O``/``U`` → the canonical sex word."""
    if not value:
        return ""
    try:
        return SEX_LETTERS[value.upper()]
    except KeyError:
        raise ConversionError(f"unknown {field} {value!r} (expected F, M, O or U)") from None
