"""The bulletin as CSV (one tidy row per published figure) and XLSX (a sheet per table)."""

from __future__ import annotations

import csv
import io
from typing import IO

from openpyxl import Workbook

from tracedesk.publications.bulletin import SUPPRESSED, Bulletin

CSV_COLUMNS = ["week_start", "week_end", "table", "area_code", "row", "measure", "value"]


def note(bulletin: Bulletin) -> str:
    return (
        f"{SUPPRESSED}: suppressed. Counts from 1 to {bulletin.threshold - 1} are not published, "
        "and neither are other counts that would let them be worked out from a total. "
        "Weeks run Thursday to Wednesday; a case counts in the week it was transferred to "
        "contact tracing, a contact in the week their case was. Definitions: docs/kpis.md."
    )


def bulletin_csv(bulletin: Bulletin) -> str:
    """Return every published figure as one CSV row (suppressed ones as ``[c]``)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    week = [bulletin.week_start.isoformat(), bulletin.week_end.isoformat()]
    for table in bulletin.tables:
        for code, name, values in table.display():
            for header, value in zip(table.headers, values, strict=True):
                writer.writerow([*week, table.key, code, name, header, value])
    for headline in bulletin.headlines:
        writer.writerow([*week, "headlines", "", "England", headline.label, headline.shown])
    return out.getvalue()


def bulletin_xlsx(bulletin: Bulletin, target: IO[bytes]) -> None:
    """Write the bulletin as an XLSX workbook: notes, headlines, then one sheet per table."""
    book = Workbook(write_only=True)
    notes = book.create_sheet("Notes")
    notes.append([f"Contact tracing weekly bulletin, {bulletin.week_start} to {bulletin.week_end}"])
    notes.append([note(bulletin)])
    headlines = book.create_sheet("Headlines")
    headlines.append(["Measure", "Value", "KPI"])
    for headline in bulletin.headlines:
        headlines.append([headline.label, headline.shown, headline.kpi])
    for table in bulletin.tables:
        sheet = book.create_sheet(table.key[:31])
        sheet.append([table.title])
        sheet.append(["Code", table.row_heading, *table.headers])
        for code, name, values in table.display():
            sheet.append([code, name, *(v if v == SUPPRESSED else int(v) for v in values)])
    book.save(target)
