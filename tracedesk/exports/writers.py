"""Streaming writers for CSV, XLSX and Parquet: rows in, bytes out, memory flat. No Django.

Each writer takes an iterator of row tuples and never holds more than one batch
of them: CSV and Parquet yield bytes as they go; XLSX (a zip that is written
whole at the end) goes through openpyxl's write-only mode into a temporary file,
which is then streamed. An XLSX sheet holds 1,048,576 rows: longer exports carry
on in further sheets and say so on a "Notes" sheet — never truncated.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import IO, Any, Literal

Kind = Literal["int", "float", "str", "bool", "date", "datetime"]

XLSX_SHEET_ROWS = 1_048_576  # Excel's (and LibreOffice's) rows per sheet, header included
CSV_FLUSH_BYTES = 64 * 1024
PARQUET_BATCH_ROWS = 50_000
# A cell starting with one of these is a formula to a spreadsheet (CSV/XLSX injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind = "str"


def neutralise(value: Any) -> Any:
    """Return text that a spreadsheet would run as a formula prefixed with an apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return neutralise(value)


def csv_chunks(columns: Sequence[Column], rows: Iterable[Sequence[Any]]) -> Iterator[bytes]:
    """Yield a UTF-8 CSV (with BOM, so spreadsheets read it as UTF-8) in ~64 KB chunks."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write("\ufeff")
    writer.writerow([column.name for column in columns])
    for row in rows:
        writer.writerow([_csv_cell(value) for value in row])
        if buffer.tell() >= CSV_FLUSH_BYTES:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


@dataclass
class XlsxResult:
    file: IO[bytes]
    rows: int = 0
    sheets: list[tuple[str, int]] = field(default_factory=list)  # (title, data rows)

    @property
    def warning(self) -> str:
        """Say how the rows were split, when they did not fit one sheet."""
        if len(self.sheets) < 2:
            return ""
        parts = ", ".join(f"{title}: {rows:,} rows" for title, rows in self.sheets)
        return (
            f"{self.rows:,} rows are more than one sheet holds, so they continue across "
            f"{len(self.sheets)} sheets ({parts}). Nothing is left out."
        )


def _xlsx_cell(value: Any) -> Any:
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        # Excel has no time zones: write UTC, and the column header says so.
        return value.astimezone(dt.UTC).replace(tzinfo=None)
    if isinstance(value, Decimal):
        return float(value)
    return neutralise(value)


def xlsx_file(
    columns: Sequence[Column],
    rows: Iterable[Sequence[Any]],
    *,
    title: str,
    sheet_rows: int = XLSX_SHEET_ROWS,
) -> XlsxResult:
    """Write an XLSX to a temporary file (rewound), splitting rows across sheets as needed."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    header = [column.name for column in columns]
    per_sheet = sheet_rows - 1  # the header takes a row
    result = XlsxResult(file=tempfile.TemporaryFile(suffix=".xlsx"))  # noqa: SIM115  (returned)
    sheet: Any = None
    in_sheet = 0
    base = title[:25] or "Data"
    for row in rows:
        if sheet is None or in_sheet == per_sheet:
            if sheet is not None:
                result.sheets[-1] = (result.sheets[-1][0], in_sheet)
            name = base if not result.sheets else f"{base} ({len(result.sheets) + 1})"
            sheet = workbook.create_sheet(name)
            sheet.append(header)
            result.sheets.append((name, 0))
            in_sheet = 0
        sheet.append([_xlsx_cell(value) for value in row])
        in_sheet += 1
        result.rows += 1
    if sheet is None:
        workbook.create_sheet(base).append(header)
        result.sheets.append((base, 0))
    else:
        result.sheets[-1] = (result.sheets[-1][0], in_sheet)
    if result.warning:
        notes = workbook.create_sheet("Notes")
        notes.append([result.warning])
        for name, count in result.sheets:
            notes.append([name, count])
        workbook.move_sheet("Notes", offset=-len(result.sheets))
    workbook.save(result.file)
    result.file.seek(0)
    return result


class _Drain:
    """A write-only file for pyarrow whose bytes are taken out after every batch."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.position = 0
        self.closed = False

    def write(self, data: bytes) -> int:
        self.parts.append(bytes(data))
        self.position += len(data)
        return len(data)

    def tell(self) -> int:
        return self.position

    def flush(self) -> None:
        return None

    def close(self) -> None:
        self.closed = True

    def take(self) -> bytes:
        data, self.parts = b"".join(self.parts), []
        return data


def _arrow_type(kind: Kind) -> Any:
    import pyarrow as pa

    return {
        "int": pa.int64(),
        "float": pa.float64(),
        "str": pa.string(),
        "bool": pa.bool_(),
        "date": pa.date32(),
        "datetime": pa.timestamp("us", tz="UTC"),
    }[kind]


def parquet_chunks(
    columns: Sequence[Column],
    rows: Iterable[Sequence[Any]],
    *,
    batch_rows: int = PARQUET_BATCH_ROWS,
) -> Iterator[bytes]:
    """Yield a Parquet file one row group (``batch_rows`` rows) at a time."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pa.schema([(column.name, _arrow_type(column.kind)) for column in columns])
    sink = _Drain()
    writer = pq.ParquetWriter(pa.PythonFile(sink, mode="w"), schema, compression="zstd")
    batch: list[list[Any]] = [[] for _ in columns]
    count = 0

    def flush() -> bytes:
        nonlocal batch, count
        arrays = [pa.array(values, type=schema.field(i).type) for i, values in enumerate(batch)]
        writer.write_batch(pa.RecordBatch.from_arrays(arrays, schema=schema))
        batch, count = [[] for _ in columns], 0
        return sink.take()

    for row in rows:
        for i, value in enumerate(row):
            batch[i].append(value)
        count += 1
        if count == batch_rows:
            yield flush()
    if count or sink.position == 0:
        yield flush()
    writer.close()
    yield sink.take()
