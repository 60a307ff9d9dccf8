"""CSV laboratory feeds (``docs/lab-feeds.md``, section CSV).

Streaming: the file is read twice, both times in a constant amount of memory — once as bytes
to decide the encoding (valid UTF-8, with or without a byte-order mark, else Windows-1252 with a
file warning), then row by row through the :mod:`csv` module (RFC 4180 quoting, embedded
newlines). A record's number is the physical line where its row starts (the header is line 1);
its ``raw`` is the row's exact text as it stands in the file, without the final line break,
so it can be put back under :attr:`CsvFeed.header_text` to make a one-row CSV.
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TextIO

from .convert import (
    NO_OFFSET_WARNING,
    ConversionError,
    csv_result,
    iso_date,
    iso_datetime,
    sex_word,
)
from .records import (
    CANONICAL_FIELDS,
    RECORD,
    REQUIRED_COLUMNS,
    Feed,
    FeedError,
    RecordError,
    SourceRecord,
)

CP1252_WARNING = "the file is not valid UTF-8; it was read as Windows-1252"
TRAILER = "TRAILER"
_CHUNK = 1 << 20
_EMPTY = dict.fromkeys(CANONICAL_FIELDS, "")
#: Fields without which a record cannot be identified or has no outcome.
_KEY_FIELDS = ("lab_code", "specimen_id", "test_code")


def sniff_encoding(path: Path) -> str:
    """``"utf-8-sig"`` if the whole file is valid UTF-8 (BOM or not), else ``"cp1252"``.

    Streams the bytes through an incremental decoder: memory stays flat for any file size.
    """
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        with path.open("rb") as stream:
            while chunk := stream.read(_CHUNK):
                decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8-sig"


def resolve_columns(
    header: list[str], mapping: Mapping[str, str] | None = None
) -> list[str | None]:
    """The canonical field read from each header column (``None``: column ignored).

    A column named in ``mapping`` takes the mapped field (an empty target ignores the column);
    any other column whose name is a canonical field name (any case) is that field.
    Raises :class:`FeedError` when two columns would fill the same field.
    """
    mapping = mapping or {}
    resolved: list[str | None] = []
    seen: dict[str, str] = {}
    for column in header:
        name = column.strip()
        target: str | None
        if name in mapping:
            target = mapping[name] or None
        elif name.lower() in _EMPTY:
            target = name.lower()
        else:
            target = None
        if target is not None:
            if target in seen:
                raise FeedError(
                    f"columns {seen[target]!r} and {column!r} both give the field {target!r}"
                )
            seen[target] = column
        resolved.append(target)
    return resolved


def _check_mapping(mapping: Mapping[str, str]) -> None:
    unknown = sorted({v for v in mapping.values() if v and v not in _EMPTY})
    if unknown:
        raise ValueError(
            f"column mapping targets unknown fields: {', '.join(unknown)} "
            f"(canonical fields are: {', '.join(CANONICAL_FIELDS)})"
        )


def _strip_terminator(text: str) -> str:
    if text.endswith("\r\n"):
        return text[:-2]
    if text.endswith(("\n", "\r")):
        return text[:-1]
    return text


class CsvFeed(Feed):
    """A CSV feed. Opening reads the header and raises :class:`FeedError` if required columns
    are missing; ``mapping`` maps a lab's column names to canonical fields.

    ``declared_count`` comes from a final ``TRAILER,<n>`` row (not a record) and is known once
    an iteration has finished.
    """

    format = "csv"

    def __init__(
        self,
        path: str | Path,
        *,
        mapping: Mapping[str, str] | None = None,
        skip: int = 0,
    ) -> None:
        super().__init__(path, skip=skip)
        self.mapping: dict[str, str] = dict(mapping or {})
        _check_mapping(self.mapping)
        self.encoding = sniff_encoding(self.path)
        if self.encoding == "cp1252":
            self.warn(CP1252_WARNING)
        with self._open() as stream:
            header_lines: list[str] = []
            reader = csv.reader(self._collect(stream, header_lines), strict=True)
            try:
                header = next(reader, None)
            except csv.Error as exc:
                raise FeedError(f"{self.path.name}: the header row cannot be read: {exc}") from exc
        if not header or not any(cell.strip() for cell in header):
            raise FeedError(f"{self.path.name}: the file has no header row")
        self.header: tuple[str, ...] = tuple(header)
        #: The header row's exact text (without its line break).
        self.header_text = _strip_terminator("".join(header_lines))
        self.columns = resolve_columns(header, self.mapping)
        present = {c for c in self.columns if c}
        missing = [f for f in REQUIRED_COLUMNS if f not in present]
        if missing:
            hint = " (after the lab's column mapping)" if self.mapping else ""
            raise FeedError(
                f"{self.path.name}: missing required columns{hint}: {', '.join(missing)}; "
                f"the header has: {', '.join(header)}"
            )
        ignored = [h for h, c in zip(header, self.columns, strict=True) if c is None]
        if ignored:
            self.warn(f"columns not used: {', '.join(ignored)}")
        self._index = [(i, c) for i, c in enumerate(self.columns) if c]

    def _open(self) -> TextIO:
        errors = "replace" if self.encoding == "cp1252" else "strict"
        return self.path.open(encoding=self.encoding, errors=errors, newline="")

    @staticmethod
    def _collect(stream: TextIO, buffer: list[str]) -> Iterator[str]:
        """Yield the stream's lines, appending each to ``buffer`` (the current row's text)."""
        for line in stream:
            buffer.append(line)
            yield line

    def __iter__(self) -> Iterator[SourceRecord]:
        self.records_read = 0
        declared: int | None = None
        trailer_line = 0
        width = len(self.header)
        skip = self.skip
        with self._open() as stream:
            buffer: list[str] = []
            reader = csv.reader(self._collect(stream, buffer), strict=True)
            try:
                next(reader)  # the header, already checked on opening
            except (StopIteration, csv.Error):
                return
            consumed = reader.line_num
            buffer.clear()
            while True:
                start = consumed + 1
                row: list[str] | None
                failure = ""
                try:
                    row = next(reader)
                except StopIteration:
                    break
                except csv.Error as exc:
                    row, failure = None, str(exc)
                consumed = reader.line_num
                raw = _strip_terminator("".join(buffer))
                buffer.clear()
                if row is not None:
                    if not row:
                        continue  # a blank line is not a record
                    if row[0].strip().upper() == TRAILER and not any(c.strip() for c in row[2:]):
                        count = row[1].strip() if len(row) > 1 else ""
                        if count.isdigit():
                            declared = int(count)
                        else:
                            self.warn(f"line {start}: TRAILER row without a valid count: {raw!r}")
                        trailer_line = start
                        continue
                if trailer_line:
                    self.warn(f"line {start}: a row follows the TRAILER row (line {trailer_line})")
                    trailer_line = 0
                self.records_read += 1
                if self.records_read <= skip:
                    continue
                if row is None:
                    yield SourceRecord(
                        start,
                        dict(_EMPTY),
                        raw,
                        RecordError(RECORD, f"malformed CSV row: {failure}"),
                    )
                elif len(row) != width:
                    yield SourceRecord(
                        start,
                        dict(_EMPTY),
                        raw,
                        RecordError(
                            RECORD, f"the row has {len(row)} fields; the header has {width}"
                        ),
                    )
                else:
                    yield self._convert(start, row, raw)
        self.declared_count = declared

    def _convert(self, number: int, row: list[str], raw: str) -> SourceRecord:
        fields = dict(_EMPTY)
        for index, name in self._index:
            fields[name] = row[index].strip()
        error: RecordError | None = None
        warnings: list[str] = []
        for name in _KEY_FIELDS:
            if not fields[name]:
                error = RecordError(name, f"{name} is missing")
                break
        try:
            fields["result"] = csv_result(fields["result"])
        except ConversionError as exc:
            error = error or RecordError("result", str(exc))
        for name in ("specimen_collected_at", "result_at"):
            try:
                value, assumed_utc = iso_datetime(fields[name], name)
            except ConversionError as exc:
                error = error or RecordError(name, str(exc))
                continue
            if assumed_utc:
                warnings.append(NO_OFFSET_WARNING.format(field=name, value=fields[name]))
                self.warn("some date-times have no UTC offset; they were taken as UTC")
            fields[name] = value
        try:
            fields["date_of_birth"] = iso_date(fields["date_of_birth"], "date_of_birth")
        except ConversionError as exc:
            error = error or RecordError("date_of_birth", str(exc))
        try:
            fields["sex"] = sex_word(fields["sex"])
        except ConversionError as exc:
            error = error or RecordError("sex", str(exc))
        return SourceRecord(number, fields, raw, error, tuple(warnings))
