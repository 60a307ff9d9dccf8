"""The weekly bulletin: the tables NHS Test and Trace published each week, from the KPI engine.

Weeks run Thursday to Wednesday, as the England bulletins did. Each table is a
partition (every case or contact is in exactly one column of one row), so its
totals add up, and it is suppressed with ``tracedesk.lib.suppression`` before
anything leaves: small counts, and any count a total would give away, are shown as
``[c]`` (the Government Statistical Service's mark for "confidential").

Tables that share a figure are kept consistent: the contacts table and the
contact-kinds table share their grand total (contacts identified), so when either
hides it both do (a shared figure hidden in one and shown in the other would undo
the suppression). Headline percentages are withheld when any count behind them is
small or hidden.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Count, Q
from django.utils import timezone

from tracedesk.cases.models import ContactType
from tracedesk.geography.models import Jurisdiction, Level
from tracedesk.kpis import engine
from tracedesk.kpis.facts import contacts_in, day_start
from tracedesk.kpis.formulas import CellKey, CellValue, Filter, Measure, evaluate, totals
from tracedesk.lib.suppression import Cell, SuppressedTable, suppress

SUPPRESSED = "[c]"
THURSDAY = 3
REACH_COLUMNS = [
    "Reached within 24 hours", "Reached in 24 to 48 hours", "Reached in 48 to 72 hours",
    "Reached after 72 hours", "Not reached",
]  # fmt: skip


def latest_week(today: dt.date | None = None) -> dt.date:
    """Return the Thursday starting the latest complete Thursday-to-Wednesday week."""
    today = today or timezone.localdate()
    last_wednesday = today - dt.timedelta(days=(today.weekday() - 2) % 7 or 7)
    return last_wednesday - dt.timedelta(days=6)


def parse_week(text: str) -> dt.date:
    """Return the Thursday ``text`` names (YYYY-MM-DD), or raise ValueError saying why."""
    day = dt.date.fromisoformat(text)
    if day.weekday() != THURSDAY:
        raise ValueError(f"{text} is not a Thursday: bulletin weeks run Thursday to Wednesday.")
    return day


@dataclass(frozen=True)
class BulletinTable:
    key: str
    title: str
    row_heading: str
    rows: list[tuple[str, str]]  # (code, name); the total row is added on output
    columns: list[str]
    total_column: str
    total_row: str
    cells: list[list[int]]
    table: SuppressedTable

    def display(self) -> list[tuple[str, str, list[str]]]:
        """Return (code, name, shown counts with the row total last), the total row last."""
        out = []
        for r, (code, name) in enumerate([*self.rows, ("", self.total_row)]):
            shown = [self.table.shown(r, c) for c in range(len(self.columns) + 1)]
            out.append((code, name, [SUPPRESSED if v is None else str(v) for v in shown]))
        return out

    @property
    def headers(self) -> list[str]:
        return [*self.columns, self.total_column]

    @property
    def grand_total(self) -> Cell:
        return (len(self.rows), len(self.columns))


@dataclass(frozen=True)
class Headline:
    label: str
    kpi: str
    numerator: int
    denominator: int
    shown: str  # "84.9%" or "[c]"


@dataclass(frozen=True)
class Bulletin:
    week_start: dt.date
    threshold: int
    tables: list[BulletinTable]
    headlines: list[Headline] = field(default_factory=list)

    @property
    def week_end(self) -> dt.date:
        return self.week_start + dt.timedelta(days=6)


def _reach_row(subject: str, measure: Any, places: Sequence[int]) -> list[int]:
    """Return [<24 h, 24-48 h, 48-72 h, >72 h, not reached] for one area."""
    reached = measure(f"{subject}_reached", places)
    w24, w48, w72 = (measure(f"{subject}_reached_{h}h", places).numerator for h in (24, 48, 72))
    total = reached.denominator
    return [w24, w48 - w24, w72 - w48, reached.numerator - w72, total - reached.numerator]


def _kinds(start: dt.datetime, end: dt.datetime) -> list[list[int]]:
    """Contacts identified by their case's handling (rows) and household or not (columns)."""
    household = Q(contact_type=ContactType.HOUSEHOLD)
    counts = contacts_in(start, end).aggregate(
        complex_household=Count("pk", filter=Q(case__is_complex=True) & household),
        complex_other=Count("pk", filter=Q(case__is_complex=True) & ~household),
        simple_household=Count("pk", filter=Q(case__is_complex=False) & household),
        simple_other=Count("pk", filter=Q(case__is_complex=False) & ~household),
    )
    return [
        [counts["complex_household"], counts["complex_other"]],
        [counts["simple_household"], counts["simple_other"]],
    ]


def _percent(numerator: int, denominator: int, threshold: int, linked_hidden: bool) -> str:
    small = {numerator, denominator - numerator} & set(range(1, threshold))
    if linked_hidden or denominator < threshold or small:
        return SUPPRESSED
    return f"{100 * numerator / denominator:.1f}%"


HEADLINES = [
    ("Cases reached", "cases_reached"),
    ("Cases reached within 24 hours", "cases_reached_24h"),
    ("Contacts reached", "contacts_reached"),
    ("Contacts reached within 24 hours of their case's transfer", "contacts_reached_24h"),
    ("Contacts reached: complex cases", "contacts_reached:complex"),
    ("Contacts reached: non-complex cases", "contacts_reached:non_complex"),
    ("Contacts reached: household", "contacts_reached:household"),
    ("Contacts reached: non-household", "contacts_reached:non_household"),
]


def _measurer(start: dt.datetime, end: dt.datetime, source: str) -> Callable[..., Measure]:
    """Return ``measure(key, places)`` for the week.

    "records" reads the week's records once (the KPI engine's cells) and answers
    every area from memory, so the bulletin never depends on the summary tables
    being fresh; any other ``source`` asks the engine each time.
    """
    if source != "records":

        def ask(key: str, places: Sequence[int] | None) -> Measure:
            return engine.measure(
                key,
                start=start,
                end=end,
                jurisdiction_ids=places,
                source=source,  # type: ignore[arg-type]
            )

        return ask
    by_place: dict[int, list[tuple[CellKey, CellValue]]] = defaultdict(list)
    for key, value in engine.record_cells(start=start, end=end, places=None).items():
        by_place[key.jurisdiction_id].append((key, value))

    def count(key: str, places: Sequence[int] | None) -> Measure:
        definition = engine.definition(key)
        chosen = by_place.keys() if places is None else places
        items = [item for place in chosen for item in by_place.get(place, [])]
        return evaluate(definition, totals(items, Filter(segment=definition.segment)))

    return count


def compute_bulletin(
    week_start: dt.date, *, threshold: int | None = None, source: str = "records"
) -> Bulletin:
    """Compute and suppress the week's tables for every local authority.

    ``source``: "records" (the default) reads the week's records once; "auto" or
    "summary" ask the KPI engine's summary tables per area (fresh only while the
    worker runs).
    """
    limit = settings.SUPPRESS_BELOW if threshold is None else threshold
    start, end = day_start(week_start), day_start(week_start + dt.timedelta(days=7))

    measure = _measurer(start, end, source)

    areas = list(Jurisdiction.objects.filter(level=Level.LOCAL_AUTHORITY).order_by("path"))
    rows = [(area.code, area.name) for area in areas] or [("", "No areas")]
    cases = [_reach_row("cases", measure, [a.pk]) for a in areas] or [[0] * 5]
    contacts = [_reach_row("contacts", measure, [a.pk]) for a in areas] or [[0] * 5]
    kinds = _kinds(start, end)

    def build(contacts_also: frozenset[Cell], kinds_also: frozenset[Cell]) -> list[BulletinTable]:
        return [
            BulletinTable(
                "cases", "Cases transferred to contact tracing, by time to reach them", "Area",
                rows, REACH_COLUMNS, "Transferred to contact tracing", "All areas", cases,
                suppress(cases, limit),
            ),
            BulletinTable(
                "contacts",
                "Contacts identified, by time to reach them from their case's transfer",
                "Area", rows, REACH_COLUMNS, "Contacts identified", "All areas", contacts,
                suppress(contacts, limit, also=contacts_also),
            ),
            BulletinTable(
                "contact_kinds", "Contacts identified, by who handled the case and kind of contact",
                "Case handled by",
                [("complex", "Health protection teams (complex cases)"),
                 ("non_complex", "Tracing teams and online (non-complex cases)")],
                ["Household", "Non-household"], "Contacts identified", "All contacts", kinds,
                suppress(kinds, limit, also=kinds_also),
            ),
        ]  # fmt: skip

    tables = build(frozenset(), frozenset())
    contacts_table, kinds_table = tables[1], tables[2]
    # The two contact tables share their grand total: hide it in both if either hides it.
    if (contacts_table.grand_total in contacts_table.table.hidden) != (
        kinds_table.grand_total in kinds_table.table.hidden
    ):
        tables = build(
            frozenset({contacts_table.grand_total}), frozenset({kinds_table.grand_total})
        )
    headlines = []
    national = [(len(rows), column) for column in range(len(REACH_COLUMNS) + 1)]
    totals_hidden = {
        "cases": tables[0].table.hidden & set(national),
        "contacts": tables[1].table.hidden & set(national),
    }
    for label, key in HEADLINES:
        found = measure(key, None)
        linked = bool(totals_hidden["cases" if key.startswith("cases") else "contacts"])
        headlines.append(
            Headline(
                label, key, found.numerator, found.denominator,
                _percent(found.numerator, found.denominator, limit, linked),
            )
        )  # fmt: skip
    return Bulletin(week_start=week_start, threshold=limit, tables=tables, headlines=headlines)
