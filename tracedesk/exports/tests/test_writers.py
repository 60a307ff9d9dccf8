"""The streaming writers: every row out, nothing cut, formulas neutralised, types kept."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pyarrow.parquet as pq
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from tracedesk.exports.writers import Column, csv_chunks, parquet_chunks, xlsx_file

COLUMNS = [Column("id", "int"), Column("name"), Column("at", "datetime"), Column("day", "date")]
AT = dt.datetime(2021, 2, 1, 9, 30, tzinfo=dt.UTC)


def rows(n: int) -> list[tuple[object, ...]]:
    return [(i, f"name {i}", AT, dt.date(2021, 2, 1)) for i in range(n)]


def test_csv_streams_in_chunks_and_keeps_every_row() -> None:
    chunks = list(csv_chunks(COLUMNS, iter(rows(20_000))))
    assert len(chunks) > 5  # streamed, not built whole
    text = b"".join(chunks).decode("utf-8-sig")
    parsed = list(csv.reader(io.StringIO(text)))
    assert parsed[0] == ["id", "name", "at", "day"]
    assert len(parsed) == 20_001
    assert parsed[-1] == ["19999", "name 19999", "2021-02-01T09:30:00+00:00", "2021-02-01"]


def test_spreadsheet_formulas_are_neutralised_in_csv_and_xlsx() -> None:
    texts = ['=HYPERLINK("http://x")', "+44 7700", "@SUM(A1)", "-2", "plain"]
    evil = [(n, text, None, None) for n, text in enumerate(texts)]
    text = b"".join(csv_chunks(COLUMNS, iter(evil))).decode("utf-8-sig")
    names = [row[1] for row in csv.reader(io.StringIO(text))][1:]
    assert names == ['\'=HYPERLINK("http://x")', "'+44 7700", "'@SUM(A1)", "'-2", "plain"]
    book = load_workbook(xlsx_file(COLUMNS, iter(evil), title="T").file)
    assert [row[1] for row in book["T"].iter_rows(min_row=2, values_only=True)] == names


def test_xlsx_past_the_row_limit_is_split_across_sheets_with_a_note_never_cut() -> None:
    result = xlsx_file(COLUMNS, iter(rows(25)), title="Cases", sheet_rows=11)
    assert result.rows == 25
    assert result.sheets == [("Cases", 10), ("Cases (2)", 10), ("Cases (3)", 5)]
    assert "25 rows" in result.warning and "3 sheets" in result.warning
    book = load_workbook(result.file)
    assert book.sheetnames == ["Notes", "Cases", "Cases (2)", "Cases (3)"]
    assert "Nothing is left out" in book["Notes"]["A1"].value
    ids = [
        row[0]
        for name in ["Cases", "Cases (2)", "Cases (3)"]
        for row in book[name].iter_rows(min_row=2, values_only=True)
    ]
    assert ids == list(range(25))
    assert all(book[name]["A1"].value == "id" for name in ["Cases", "Cases (2)", "Cases (3)"])


def test_xlsx_exactly_at_the_limit_is_one_sheet_without_a_warning() -> None:
    result = xlsx_file(COLUMNS, iter(rows(10)), title="Cases", sheet_rows=11)
    assert result.sheets == [("Cases", 10)] and result.warning == ""
    empty = xlsx_file(COLUMNS, iter([]), title="Cases")
    assert empty.rows == 0 and load_workbook(empty.file)["Cases"]["A1"].value == "id"


def test_the_real_sheet_limit_is_excels() -> None:
    from tracedesk.exports.writers import XLSX_SHEET_ROWS

    assert XLSX_SHEET_ROWS == 1_048_576


def test_parquet_is_written_one_row_group_at_a_time_with_types() -> None:
    chunks = list(parquet_chunks(COLUMNS, iter(rows(2_500)), batch_rows=1_000))
    assert len(chunks) >= 3
    table = pq.read_table(io.BytesIO(b"".join(chunks)))
    assert table.num_rows == 2_500
    assert pq.ParquetFile(io.BytesIO(b"".join(chunks))).metadata.num_row_groups == 3
    assert str(table.schema.field("at").type) == "timestamp[us, tz=UTC]"
    assert table.column("id").to_pylist() == list(range(2_500))
    empty = pq.read_table(io.BytesIO(b"".join(parquet_chunks(COLUMNS, iter([])))))
    assert empty.num_rows == 0 and empty.schema.names == ["id", "name", "at", "day"]


TEXT = st.text(st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"), max_size=20)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.integers(-(2**40), 2**40), TEXT | st.none())))
def test_every_writer_round_trips_any_rows(data: list[tuple[int, str | None]]) -> None:
    columns = [Column("n", "int"), Column("text")]
    table = pq.read_table(io.BytesIO(b"".join(parquet_chunks(columns, iter(data), batch_rows=7))))
    assert list(zip(table.column("n").to_pylist(), table.column("text").to_pylist(),
                    strict=True)) == data  # fmt: skip
    text = b"".join(csv_chunks(columns, iter(data))).decode("utf-8-sig")
    parsed = list(csv.reader(io.StringIO(text, newline="")))
    assert len(parsed) == len(data) + 1
    assert [int(row[0]) for row in parsed[1:]] == [n for n, _ in data]
