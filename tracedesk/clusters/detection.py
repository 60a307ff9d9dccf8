"""Common-exposure detection: set-based, incremental, idempotent.

One run (``detect(now)``), in one transaction:

1. **Scan new cases.** Every case created up to ``now`` that has no ``CaseWindow`` gets
   one: the local (``TIME_ZONE``) days ``[anchor - FROM, anchor - TO]`` where the anchor is
   symptom onset, or the local day of the first positive specimen when onset is not known.
   Before that, a case whose onset or first specimen changed since its window was set is
   re-evaluated: its window moves and its exposures are found again (``_rescan_changed_cases``);
   it leaves proposed clusters at settings its new window no longer covers (``_departures``).
2. **Exposures.** ``INSERT … SELECT`` the new cases' attendances (interviews, forms) and
   check-ins (through their linked tokens) inside their windows into ``CaseExposure``;
   then the data that arrived since the last run for cases scanned before: attendances
   and check-ins with a higher id than the last run saw, and tokens linked since then.
   A unique constraint makes every insert skip what is already there.
3. **Group.** Only settings that gained an exposure are looked at again: their
   exposures are grouped into runs of days no more than ``WINDOW`` days apart, and
   a group with cases of two or more households becomes (or grows) a cluster.

Nothing new means nothing written: running it twice for the same ``now`` changes
nothing the second time. See docs/clusters.md.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
import time
import zoneinfo
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from tracedesk.audit.actions import record_event, record_events
from tracedesk.audit.models import Action
from tracedesk.bulk import among, insert_rows
from tracedesk.cases.models import Case
from tracedesk.clusters.models import (
    CaseExposure,
    CaseWindow,
    Cluster,
    ClusterCase,
    ClusterLog,
    ClusterStatus,
    DetectionRun,
    LogKind,
)
from tracedesk.places.models import Attendance, CheckIn, DeviceToken, Setting, SettingDay

SOURCE = "clusters.detect"
# How much more a cluster at each kind of setting matters (vulnerable people, crowding).
SETTING_RISK: dict[str, float] = {
    "care_home": 3.0,
    "prison": 2.5,
    "healthcare": 2.0,
    "school": 1.5,
    "place_of_worship": 1.5,
    "event_venue": 1.5,
    "higher_education": 1.3,
    "workplace": 1.2,
    "hospitality": 1.2,
    "gym": 1.2,
    "transport": 0.8,
    "retail": 0.6,
    "other": 1.0,
}
REFERENCE_DAYS = 28  # the period the background rate is measured over
MAX_SURPRISE = 12.0  # -log10 of a probability this small is "certainly not chance"
MIN_SCORE = 0.0  # groups with two or more households are proposed whatever their score


def lookback() -> tuple[int, int]:
    return settings.CLUSTER_LOOKBACK_FROM_DAYS, settings.CLUSTER_LOOKBACK_TO_DAYS


def local_zone() -> str:
    """The zone whose calendar days are exposure days (``TIME_ZONE``), checked."""
    name = settings.TIME_ZONE
    zoneinfo.ZoneInfo(name)  # raises for an unknown zone: never put an unchecked name in SQL
    return name


def _day_of(column: str) -> str:
    """SQL for the local (``TIME_ZONE``) calendar day of a UTC timestamp column."""
    zone = local_zone().replace("'", "")
    if connection.vendor == "postgresql":
        return f"(({column}) AT TIME ZONE '{zone}')::date"
    # Django's own SQLite function (what TruncDate uses): stored values are naive UTC.
    return f"django_datetime_cast_date({column}, '{zone}', 'UTC')"


def local_midnight(day: dt.date) -> dt.datetime:
    """The instant (UTC) that local day ``day`` starts: 23:00 UTC the day before in summer."""
    zone = zoneinfo.ZoneInfo(local_zone())
    return dt.datetime.combine(day, dt.time(0), tzinfo=zone).astimezone(dt.UTC)


def local_day(at: dt.datetime) -> dt.date:
    """The local calendar day of an instant."""
    return at.astimezone(zoneinfo.ZoneInfo(local_zone())).date()


def _execute(sql: str, params: Iterable[Any] = ()) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))
        return max(cursor.rowcount, 0)


def _rows(sql: str, params: Iterable[Any] = ()) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))
        return cursor.fetchall()


def _ms(since: float) -> int:
    """Milliseconds since ``since`` (cumulative phase timings for the log)."""
    return round((time.perf_counter() - since) * 1000)


def _as_date(value: object) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def _as_datetime(value: object) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    return dt.datetime.fromisoformat(str(value)).replace(tzinfo=dt.UTC)


@dataclass
class Counts:
    cases_scanned: int = 0
    exposures_added: int = 0
    settings_examined: int = 0
    clusters_proposed: int = 0
    clusters_grown: int = 0
    clusters_merged: int = 0
    clusters_reopened: int = 0
    cases_rescanned: int = 0
    cases_left: int = 0
    timings: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, int]:
        return {
            "cases_scanned": self.cases_scanned,
            "exposures_added": self.exposures_added,
            "settings_examined": self.settings_examined,
            "clusters_proposed": self.clusters_proposed,
            "clusters_grown": self.clusters_grown,
            "clusters_merged": self.clusters_merged,
            "clusters_reopened": self.clusters_reopened,
            "cases_rescanned": self.cases_rescanned,
            "cases_left": self.cases_left,
            **self.timings,
        }


def detect(now: dt.datetime | None = None, *, dry_run: bool = False) -> dict[str, int]:
    """Run detection for cases created up to ``now``; return what it did.

    ``dry_run`` does all the work and rolls it back (the counts say what would happen).
    """
    now = now or timezone.now()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            _execute("SELECT pg_advisory_xact_lock(%s)", [0x7C1D])  # one run at a time
        counts = _detect(now)
        if dry_run:
            transaction.set_rollback(True)
    return counts.as_dict()


def _detect(now: dt.datetime) -> Counts:
    counts = Counts()
    previous = DetectionRun.objects.order_by("-id").first()
    run = DetectionRun.objects.create(as_of=now, started_at=timezone.now())
    exposures_before = CaseExposure.objects.aggregate(m=Max("id"))["m"] or 0
    run.last_attendance_id = Attendance.objects.aggregate(m=Max("id"))["m"] or 0
    run.last_checkin_id = CheckIn.objects.aggregate(m=Max("id"))["m"] or 0
    run.last_link_at = DeviceToken.objects.aggregate(m=Max("linked_at"))["m"]

    clock = time.perf_counter()
    moved, left_settings = _rescan_changed_cases(run)
    counts.cases_rescanned = len(moved)
    counts.timings["ms_rescan"] = _ms(clock)
    counts.cases_scanned = _scan_new_cases(run, now)
    counts.timings["ms_scan"] = _ms(clock)
    if counts.cases_scanned or moved:
        _exposures_of_new_cases(run)
    counts.timings["ms_new_cases"] = _ms(clock)
    # The first run scans every case with all its data: nothing can be late then.
    if previous is not None:
        _late_attendances(previous.last_attendance_id, run.last_attendance_id)
        counts.timings["ms_late_attendances"] = _ms(clock)
        _late_checkins(previous.last_checkin_id, run.last_checkin_id)
        counts.timings["ms_late_checkins"] = _ms(clock)
        _late_links(previous.last_link_at, run.last_link_at)
        counts.timings["ms_late_links"] = _ms(clock)
    dirty = [
        row[0]
        for row in _rows(
            f"SELECT DISTINCT setting_id FROM {CaseExposure._meta.db_table} WHERE id > %s",  # noqa: S608
            [exposures_before],
        )
    ]
    dirty = sorted(set(dirty) | left_settings)
    shrunk = _departures(moved, now, counts) if moved else set()
    counts.exposures_added = CaseExposure.objects.filter(id__gt=exposures_before).count()
    counts.settings_examined = len(dirty)
    counts.timings["ms_dirty"] = _ms(clock)
    if dirty:
        Grouper(now, run, counts, shrunk=shrunk).regroup(dirty, everything=previous is None)
    counts.timings["ms_total"] = _ms(clock)
    run.cases_scanned = counts.cases_scanned
    run.exposures_added = counts.exposures_added
    run.settings_examined = counts.settings_examined
    run.clusters_proposed = counts.clusters_proposed
    run.clusters_grown = counts.clusters_grown
    run.finished_at = timezone.now()
    run.save()
    return counts


# --- 1. windows ---------------------------------------------------------------------------


def _scan_new_cases(run: DetectionRun, now: dt.datetime) -> int:
    cases, people, windows = (
        Case._meta.db_table,
        "people_person",
        CaseWindow._meta.db_table,
    )
    rows = _rows(
        f"SELECT c.id, c.person_id, p.household_id, c.onset_date, c.first_specimen_at"  # noqa: S608
        f" FROM {cases} c JOIN {people} p ON p.id = c.person_id"
        f" WHERE c.created_at <= %s"
        f" AND NOT EXISTS (SELECT 1 FROM {windows} w WHERE w.case_id = c.id)",
        [now],
    )
    if not rows:
        return 0
    values = [
        (
            case_id,
            person_id,
            household_id if household_id is not None else -person_id,
            *window_of(onset, first_specimen),
            run.pk,
        )
        for case_id, person_id, household_id, onset, first_specimen in rows
    ]
    insert_rows(CaseWindow, ["case", "person", "household_key", *_WINDOW_FIELDS, "run"], values)
    return len(values)


_WINDOW_FIELDS = ["window_from", "window_until", "starts_at", "ends_at", "onset_on", "specimen_at"]


def window_of(onset: object, first_specimen: object) -> tuple:
    """A case's window as ``_WINDOW_FIELDS``: the local days ``[anchor - FROM, anchor - TO]``
    (``until`` exclusive), the same as instants, and the dates it was computed from."""
    start, end = lookback()
    specimen_at = _as_datetime(first_specimen)
    onset_on = _as_date(onset) if onset else None
    anchor = onset_on or local_day(specimen_at)
    window_from = anchor - dt.timedelta(days=start)
    window_until = anchor - dt.timedelta(days=end - 1)  # exclusive
    return (
        window_from,
        window_until,
        local_midnight(window_from),
        local_midnight(window_until),
        onset_on,
        specimen_at,
    )


def _rescan_changed_cases(run: DetectionRun) -> tuple[list[int], set[int]]:
    """Re-evaluate cases whose onset or first specimen changed since their window was set.

    Returns the cases whose window moved and the settings where they had exposures. Their
    exposures are deleted and found again in the new window like a new case's (the window
    row takes this run's id). Cheap when nothing changed: one join of windows to cases.
    """
    distinct = "IS DISTINCT FROM" if connection.vendor == "postgresql" else "IS NOT"
    rows = _rows(
        "SELECT w.id, w.window_from, w.window_until, w.starts_at, c.id, c.onset_date,"  # noqa: S608
        " c.first_specimen_at"
        f" FROM {CaseWindow._meta.db_table} w JOIN {Case._meta.db_table} c ON c.id = w.case_id"
        f" WHERE w.specimen_at IS NULL OR w.onset_on {distinct} c.onset_date"
        " OR w.specimen_at <> c.first_specimen_at"
    )
    if not rows:
        return [], set()
    updates, moved = [], []
    for window_id, old_from, old_until, starts_at, case_id, onset, first_specimen in rows:
        new = window_of(onset, first_specimen)
        shifted = starts_at is None or (new[0], new[1]) != (_as_date(old_from), _as_date(old_until))
        if shifted:
            moved.append(case_id)
        updates.append((*new, run.pk if shifted else None, window_id))
    # Unmoved windows keep their run: only the remembered dates change.
    still = [row for row in updates if row[-2] is None]
    shifted_rows = [row for row in updates if row[-2] is not None]
    if still:
        _update_rows(CaseWindow, _WINDOW_FIELDS, [(*row[:-2], row[-1]) for row in still])
    if shifted_rows:
        _update_rows(CaseWindow, [*_WINDOW_FIELDS, "run"], shifted_rows)
    settings_before: set[int] = set()
    if moved:
        exposures = CaseExposure.objects.filter(among(CaseExposure, "case", moved))
        settings_before = set(exposures.values_list("setting_id", flat=True).distinct())
        exposures.delete()
    return moved, settings_before


# --- 2. exposures -------------------------------------------------------------------------

_EXPOSURE_COLUMNS = "(case_id, setting_id, exposed_on, source)"


def _insert_exposures(select_sql: str, params: list[object]) -> int:
    sql = (
        f"INSERT INTO {CaseExposure._meta.db_table} {_EXPOSURE_COLUMNS} {select_sql}"
        " ON CONFLICT DO NOTHING"
    )
    return _execute(sql, params)


def _attendance_select(condition: str) -> str:
    return (
        "SELECT w.case_id, a.setting_id, a.attended_on, a.source"  # noqa: S608
        f" FROM {CaseWindow._meta.db_table} w"
        f" JOIN {Attendance._meta.db_table} a ON a.person_id = w.person_id"
        " WHERE a.attended_on >= w.window_from AND a.attended_on < w.window_until"
        f" AND {condition}"
    )


def _checkin_select(condition: str) -> str:
    return (
        f"SELECT w.case_id, ci.setting_id, {_day_of('ci.checked_in_at')}, 'check_in'"  # noqa: S608
        f" FROM {CaseWindow._meta.db_table} w"
        f" JOIN {DeviceToken._meta.db_table} t ON t.person_id = w.person_id"
        f" JOIN {CheckIn._meta.db_table} ci ON ci.token_id = t.id"
        " WHERE ci.checked_in_at >= w.starts_at AND ci.checked_in_at < w.ends_at"
        f" AND {condition}"
    )


def _exposures_of_new_cases(run: DetectionRun) -> None:
    _insert_exposures(_attendance_select("w.run_id = %s"), [run.pk])
    _insert_exposures(_checkin_select("w.run_id = %s"), [run.pk])


def _late_attendances(after: int, upto: int) -> None:
    if upto > after:
        _insert_exposures(_attendance_select("a.id > %s AND a.id <= %s"), [after, upto])


def _late_checkins(after: int, upto: int) -> None:
    if upto > after:
        _insert_exposures(_checkin_select("ci.id > %s AND ci.id <= %s"), [after, upto])


def _late_links(after: dt.datetime | None, upto: dt.datetime | None) -> None:
    if upto is None:
        return
    if after is None:
        _insert_exposures(_checkin_select("t.linked_at <= %s"), [upto])
    elif upto > after:
        _insert_exposures(_checkin_select("t.linked_at > %s AND t.linked_at <= %s"), [after, upto])


def _departures(moved: list[int], now: dt.datetime, counts: Counts) -> set[int]:
    """Cases whose window moved away from a cluster's setting leave a proposed or dismissed
    cluster (logged, figures recomputed; fewer than two households left withdraws it). A
    confirmed cluster is an outbreak under management: the case stays and the log asks for
    a review. Returns the clusters that lost a case."""
    exposed = set(
        CaseExposure.objects.filter(among(CaseExposure, "case", moved)).values_list(
            "case_id", "setting_id"
        )
    )
    links = (
        ClusterCase.objects.filter(among(ClusterCase, "case", moved))
        .select_related("cluster")
        .exclude(cluster__status=ClusterStatus.MERGED)
    )
    shrunk: set[int] = set()
    logs: list[tuple] = []
    for link in links:
        cluster = link.cluster
        if (link.case_id, cluster.setting_id) in exposed:
            continue
        if cluster.status == ClusterStatus.CONFIRMED:
            logs.append((cluster.pk, now, LogKind.WINDOW_MOVED,
                         f"Case {link.case_id}: its onset or test date changed and its exposure"
                         " window no longer covers this setting. Review whether it belongs to"
                         " this outbreak."))  # fmt: skip
            continue
        link.delete()
        shrunk.add(cluster.pk)
        counts.cases_left += 1
        logs.append((cluster.pk, now, LogKind.WINDOW_MOVED,
                     f"Case {link.case_id} left: its onset or test date changed and its exposure"
                     " window no longer covers this setting."))  # fmt: skip
    for cluster in Cluster.objects.filter(among(Cluster, "id", sorted(shrunk))):
        remaining = list(ClusterCase.objects.filter(cluster=cluster))
        cluster.case_count = len(remaining)
        cluster.household_count = len({link.household_key for link in remaining})
        if remaining:
            cluster.first_exposure_on = min(link.first_exposed_on for link in remaining)
            cluster.last_exposure_on = max(link.last_exposed_on for link in remaining)
        cluster.updated_at = now
        if cluster.household_count < 2 and cluster.status == ClusterStatus.PROPOSED:
            cluster.status = ClusterStatus.DISMISSED
            cluster.decision_note = "Withdrawn automatically: fewer than two households remain."
            logs.append((cluster.pk, now, LogKind.DISMISSED, cluster.decision_note))
        cluster.save()
    if logs:
        insert_rows(ClusterLog, ["cluster", "at", "kind", "text"], logs)
    if shrunk:
        record_events(None, Action.UPDATE, Cluster, sorted(shrunk),
                      purpose="cases left clusters: windows moved", source=SOURCE)  # fmt: skip
    return shrunk


_CLUSTER_STATS = [
    "status", "first_exposure_on", "last_exposure_on", "case_count", "household_count",
    "attendee_count", "expected_count", "score", "second_case_at", "updated_at",
]  # fmt: skip


def _update_rows(model: type, columns: list[str], rows: list[tuple]) -> None:
    """``UPDATE … WHERE id = …`` for many rows in one executemany (values then the id)."""
    meta = model._meta  # type: ignore[attr-defined]
    quote = connection.ops.quote_name
    fields = [meta.get_field(name) for name in columns]
    sets = ", ".join(f"{quote(f.column)} = %s" for f in fields)
    prepared = [
        [f.get_db_prep_save(value, connection) for f, value in zip(fields, row, strict=False)]
        + [row[-1]]
        for row in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {quote(meta.db_table)} SET {sets} WHERE id = %s",  # noqa: S608
            prepared,
        )


# --- 3. grouping --------------------------------------------------------------------------


@dataclass
class Member:
    case_id: int
    household: int
    first: dt.date
    last: dt.date
    created_at: dt.datetime


def group_members(members: list[Member], window_days: int) -> list[list[Member]]:
    """Split one setting's cases into groups whose exposure days are < ``window_days`` apart."""
    groups: list[list[Member]] = []
    latest: dt.date | None = None
    for member in sorted(members, key=lambda m: (m.first, m.case_id)):
        if latest is None or (member.first - latest).days >= window_days:
            groups.append([member])
            latest = member.last
        else:
            groups[-1].append(member)
            latest = max(latest, member.last)
    return groups


def poisson_surprise(expected: float, observed: int) -> float:
    """``-log10 P(X >= observed)`` for X ~ Poisson(expected), capped at MAX_SURPRISE."""
    if observed <= 0:
        return 0.0
    if expected <= 0:
        return MAX_SURPRISE
    term = math.exp(-expected)
    below = 0.0
    for k in range(observed):
        if k:
            term *= expected / k
        below += term
    tail = max(1.0 - below, 0.0)
    if tail <= 10**-MAX_SURPRISE:
        return MAX_SURPRISE
    return min(MAX_SURPRISE, -math.log10(tail))


def second_household_at(members: list[Member]) -> dt.datetime:
    """When the group first had cases of two households (the case that made it a cluster)."""
    seen: set[int] = set()
    for member in sorted(members, key=lambda m: (m.created_at, m.case_id)):
        seen.add(member.household)
        if len(seen) >= 2:
            return member.created_at
    return max(m.created_at for m in members)


class Background:
    """Expected cases by chance at a setting: the rate at settings of its type in its area over
    the ``REFERENCE_DAYS`` before the cluster's last day (add-one smoothed, so a type with no
    other exposures there is not "impossible"), scaled by the setting's own check-in volume
    relative to the mean of its type and area when it has check-ins."""

    def __init__(self, now: dt.datetime) -> None:
        self.settings_per = {
            (t, j): n
            for t, j, n in _rows(
                f"SELECT setting_type, jurisdiction_id, COUNT(*) FROM {Setting._meta.db_table}"  # noqa: S608
                " GROUP BY setting_type, jurisdiction_id"
            )
        }
        # Distinct (case, setting) pairs by their first day, per type and area.
        self.exposed = self._daily(
            f"SELECT s.setting_type, s.jurisdiction_id, x.first_day, COUNT(*) FROM"  # noqa: S608
            f" (SELECT case_id, setting_id, MIN(exposed_on) AS first_day"
            f"  FROM {CaseExposure._meta.db_table} GROUP BY case_id, setting_id) x"
            f" JOIN {Setting._meta.db_table} s ON s.id = x.setting_id"
            " GROUP BY s.setting_type, s.jurisdiction_id, x.first_day"
        )
        self.volume = self._daily(
            f"SELECT s.setting_type, s.jurisdiction_id, d.day, SUM(d.checkins)"  # noqa: S608
            f" FROM {SettingDay._meta.db_table} d JOIN {Setting._meta.db_table} s"
            " ON s.id = d.setting_id GROUP BY s.setting_type, s.jurisdiction_id, d.day"
        )

    @staticmethod
    def _daily(sql: str) -> dict[tuple[str, int], tuple[list[dt.date], list[int]]]:
        """(type, area) -> (sorted days, running totals) for sums over any range of days."""
        per: dict[tuple[str, int], list[tuple[dt.date, int]]] = defaultdict(list)
        for t, j, day, n in _rows(sql):
            per[(t, j)].append((_as_date(day), int(n)))
        out = {}
        for key, rows in per.items():
            rows.sort()
            days, totals, running = [], [], 0
            for day, n in rows:
                running += n
                days.append(day)
                totals.append(running)
            out[key] = (days, totals)
        return out

    @staticmethod
    def _between(
        series: tuple[list[dt.date], list[int]] | None, first: dt.date, last: dt.date
    ) -> int:
        if series is None:
            return 0
        days, totals = series
        hi = bisect.bisect_right(days, last)
        lo = bisect.bisect_left(days, first)
        return (totals[hi - 1] if hi else 0) - (totals[lo - 1] if lo else 0)

    def expected(
        self, setting: Setting, span_days: int, last: dt.date, checkins_per_day: float | None
    ) -> float:
        key = (setting.setting_type, setting.jurisdiction_id)
        first = last - dt.timedelta(days=REFERENCE_DAYS - 1)
        settings_here = max(self.settings_per.get(key, 1), 1)
        exposed = self._between(self.exposed.get(key), first, last)
        rate = (exposed + 1) / settings_here / REFERENCE_DAYS
        relative = 1.0
        checkins = self._between(self.volume.get(key), first, last)
        mean = checkins / settings_here / REFERENCE_DAYS
        if checkins_per_day is not None and mean > 0:
            relative = checkins_per_day / mean
        return rate * span_days * relative


class Grouper:
    def __init__(
        self, now: dt.datetime, run: DetectionRun, counts: Counts, *, shrunk: Iterable[int] = ()
    ) -> None:
        self.shrunk = set(shrunk)  # clusters a case left: their figures are recomputed
        self.now = now
        self.run = run
        self.counts = counts
        self.window_days = settings.CLUSTER_WINDOW_DAYS
        self._background: Background | None = None
        self._pending: list[tuple[Cluster, list[Member], dict]] = []
        self._changed_links: list[ClusterCase] = []
        self._new_links: list[tuple] = []
        self._grown: dict[int, Cluster] = {}
        self._logs: list[tuple] = []

    @property
    def background(self) -> Background:
        if self._background is None:
            self._background = Background(self.now)
        return self._background

    def _members_by_setting(self, dirty: list[int], everything: bool) -> dict[int, list[Member]]:
        condition = "1 = 1" if everything else "e.setting_id IN (SELECT value FROM json_each(%s))"
        params: list[object] = []
        if not everything:
            if connection.vendor == "postgresql":
                condition = "e.setting_id = ANY(%s)"
                params = [dirty]
            else:
                import json

                params = [json.dumps(dirty)]
        rows = _rows(
            "SELECT e.setting_id, e.case_id, w.household_key, MIN(e.exposed_on),"  # noqa: S608
            " MAX(e.exposed_on), c.created_at"
            f" FROM {CaseExposure._meta.db_table} e"
            f" JOIN {CaseWindow._meta.db_table} w ON w.case_id = e.case_id"
            f" JOIN {Case._meta.db_table} c ON c.id = e.case_id"
            f" WHERE {condition}"
            " GROUP BY e.setting_id, e.case_id, w.household_key, c.created_at",
            params,
        )
        out: dict[int, list[Member]] = defaultdict(list)
        for setting_id, case_id, household, first, last, created in rows:
            out[setting_id].append(
                Member(case_id, household, _as_date(first), _as_date(last), _as_datetime(created))
            )
        return out

    def regroup(self, dirty: list[int], *, everything: bool) -> None:
        clock = time.perf_counter()
        by_setting = self._members_by_setting(dirty, everything)
        self.counts.timings["ms_group_read"] = _ms(clock)
        candidates: dict[int, list[list[Member]]] = {}
        for setting_id, members in by_setting.items():
            groups = [
                g
                for g in group_members(members, self.window_days)
                if len({m.household for m in g}) >= 2
            ]
            if groups:
                candidates[setting_id] = groups
        if not candidates:
            return
        setting_ids = list(candidates)
        settings_by_id = {
            setting.pk: setting
            for setting in Setting.objects.filter(among(Setting, "id", setting_ids)).only(
                "id", "name", "setting_type", "jurisdiction_id"
            )
        }
        existing: dict[int, dict[int, Cluster]] = defaultdict(dict)  # setting -> case -> cluster
        clusters = {
            c.pk: c
            for c in Cluster.objects.filter(among(Cluster, "setting", setting_ids)).exclude(
                status=ClusterStatus.MERGED
            )
        }
        members_of: dict[int, dict[int, ClusterCase]] = defaultdict(dict)
        if clusters:
            for link in ClusterCase.objects.filter(among(ClusterCase, "cluster", list(clusters))):
                cluster = clusters[link.cluster_id]
                existing[cluster.setting_id][link.case_id] = cluster
                members_of[cluster.pk][link.case_id] = link
        self.counts.timings["ms_group_existing"] = _ms(clock)
        volumes = self._volumes(setting_ids)
        attendances = self._attendance_people(setting_ids)
        self.counts.timings["ms_group_volumes"] = _ms(clock)
        self.background  # noqa: B018  (measured on its own)
        self.counts.timings["ms_group_background"] = _ms(clock)
        for setting_id, groups in candidates.items():
            setting = settings_by_id[setting_id]
            for group in groups:
                overlapping = sorted(
                    {existing[setting_id][m.case_id].pk for m in group
                     if m.case_id in existing[setting_id]}
                )  # fmt: skip
                stats = self._stats(setting, group, volumes, attendances)
                if not overlapping:
                    if stats["score"] < MIN_SCORE:
                        continue
                    self._create(setting, group, stats)
                    continue
                primary = clusters[overlapping[0]]
                for other_id in overlapping[1:]:
                    self._merge(clusters[other_id], primary, members_of)
                self._grow(
                    primary, group, stats, members_of[primary.pk], merged=len(overlapping) > 1
                )
        self.counts.timings["ms_group_stats"] = _ms(clock)
        self.flush()

    # statistics -----------------------------------------------------------------------------

    def _volumes(self, setting_ids: list[int]) -> dict[int, dict[dt.date, int]]:
        out: dict[int, dict[dt.date, int]] = defaultdict(dict)
        rows = SettingDay.objects.filter(among(SettingDay, "setting", setting_ids)).values_list(
            "setting_id", "day", "checkins"
        )
        for setting_id, day, n in rows:
            out[setting_id][day] = n
        return out

    def _attendance_people(self, setting_ids: list[int]) -> dict[int, list[tuple[dt.date, int]]]:
        out: dict[int, list[tuple[dt.date, int]]] = defaultdict(list)
        rows = Attendance.objects.filter(among(Attendance, "setting", setting_ids)).values_list(
            "setting_id", "attended_on", "person_id"
        )
        for setting_id, day, person_id in rows:
            out[setting_id].append((day, person_id))
        return out

    def _stats(
        self,
        setting: Setting,
        group: list[Member],
        volumes: dict[int, dict[dt.date, int]],
        attendances: dict[int, list[tuple[dt.date, int]]],
    ) -> dict:
        first = min(m.first for m in group)
        last = max(m.last for m in group)
        span = (last - first).days + 1
        households = len({m.household for m in group})
        days = volumes.get(setting.pk, {})
        checkins = sum(n for day, n in days.items() if first <= day <= last)
        people = {p for day, p in attendances.get(setting.pk, []) if first <= day <= last}
        per_day = checkins / span if days else None
        expected = self.background.expected(setting, span, last, per_day)
        surprise = poisson_surprise(expected, households)
        risk = SETTING_RISK.get(setting.setting_type, 1.0)
        return {
            "first": first,
            "last": last,
            "cases": len(group),
            "households": households,
            "attendees": checkins + len(people),
            "expected": round(expected, 4),
            "score": round(surprise * risk, 2),
            "second_at": second_household_at(group),
        }

    # writes ---------------------------------------------------------------------------------

    def _apply(self, cluster: Cluster, stats: dict) -> None:
        cluster.first_exposure_on = stats["first"]
        cluster.last_exposure_on = stats["last"]
        cluster.case_count = stats["cases"]
        cluster.household_count = stats["households"]
        cluster.attendee_count = stats["attendees"]
        cluster.expected_count = stats["expected"]
        cluster.score = stats["score"]
        cluster.second_case_at = stats["second_at"]
        cluster.updated_at = self.now

    def _link_rows(self, cluster: Cluster, members: list[Member]) -> list[tuple]:
        return [(cluster.pk, m.case_id, m.first, m.last, m.household, self.now) for m in members]

    def _insert_links(self, rows: list[tuple]) -> None:
        insert_rows(
            ClusterCase,
            ["cluster", "case", "first_exposed_on", "last_exposed_on", "household_key",
             "added_at"],
            rows,
        )  # fmt: skip

    def _create(self, setting: Setting, group: list[Member], stats: dict) -> None:
        cluster = Cluster(
            setting=setting,
            jurisdiction_id=setting.jurisdiction_id,
            proposed_at=self.now,
        )
        self._apply(cluster, stats)
        self._pending.append((cluster, group, stats))

    def flush(self) -> None:
        """Write new and grown clusters set-based: a few statements for any number."""
        if self._changed_links:
            _update_rows(
                ClusterCase,
                ["first_exposed_on", "last_exposed_on"],
                [(k.first_exposed_on, k.last_exposed_on, k.pk) for k in self._changed_links],
            )
        if self._new_links:
            self._insert_links(self._new_links)
        if self._grown:
            _update_rows(
                Cluster,
                _CLUSTER_STATS,
                [(*(getattr(c, f) for f in _CLUSTER_STATS), c.pk) for c in self._grown.values()],
            )
            record_events(None, Action.UPDATE, Cluster, list(self._grown),
                          purpose="clusters grew", source=SOURCE)  # fmt: skip
        if self._logs:
            insert_rows(ClusterLog, ["cluster", "at", "kind", "text"], self._logs)
        self._changed_links, self._new_links, self._grown, self._logs = [], [], {}, []
        if not self._pending:
            return
        columns = ["setting", "jurisdiction", "proposed_at", *_CLUSTER_STATS]
        ids = insert_rows(
            Cluster,
            columns,
            [
                (c.setting_id, c.jurisdiction_id, c.proposed_at,
                 *(getattr(c, f) for f in _CLUSTER_STATS))
                for c, _, _ in self._pending
            ],
        )  # fmt: skip
        created = []
        for (cluster, _, _), pk in zip(self._pending, ids, strict=True):
            cluster.pk = pk
            created.append(cluster)
        links: list[tuple] = []
        logs: list[tuple] = []
        for cluster, (_, group, stats) in zip(created, self._pending, strict=True):
            links.extend(self._link_rows(cluster, group))
            logs.append(
                (
                    cluster.pk,
                    self.now,
                    LogKind.PROPOSED,
                    f"Proposed: {stats['cases']} cases of {stats['households']} households at"
                    f" this setting between {stats['first']:%d %b} and {stats['last']:%d %b}"
                    f" ({stats['expected']:.2f} expected by chance; score {stats['score']:.1f}).",
                )
            )
        self._insert_links(links)
        insert_rows(ClusterLog, ["cluster", "at", "kind", "text"], logs)
        record_events(
            None, Action.CREATE, Cluster, [c.pk for c in created],
            purpose="clusters proposed", source=SOURCE,
        )  # fmt: skip
        self.counts.clusters_proposed += len(created)
        self._pending = []

    def _grow(
        self,
        cluster: Cluster,
        group: list[Member],
        stats: dict,
        links: dict[int, ClusterCase],
        *,
        merged: bool = False,
    ) -> None:
        """Add a group's new cases to its cluster; written at ``flush``."""
        new = [m for m in group if m.case_id not in links]
        changed = False
        for m in group:
            link = links.get(m.case_id)
            if link and (link.first_exposed_on, link.last_exposed_on) != (m.first, m.last):
                link.first_exposed_on, link.last_exposed_on = m.first, m.last
                changed = True
                if link.pk:
                    self._changed_links.append(link)
        if not new and not merged and not changed and cluster.pk not in self.shrunk:
            return
        households_before = {link.household_key for link in links.values()}
        if new:
            self._new_links.extend(self._link_rows(cluster, new))
            for m in new:
                links[m.case_id] = ClusterCase(cluster=cluster, case_id=m.case_id,
                                               household_key=m.household)  # fmt: skip
        second_at = cluster.second_case_at
        self._apply(cluster, stats)
        cluster.second_case_at = second_at or stats["second_at"]
        if new:
            new_households = {m.household for m in new} - households_before
            self._logs.append(
                (cluster.pk, self.now, LogKind.GREW,
                 f"{len(new)} new case(s), {len(new_households)} new household(s);"
                 f" now {stats['cases']} cases of {stats['households']} households.")
            )  # fmt: skip
            self.counts.clusters_grown += 1
            if cluster.status == ClusterStatus.DISMISSED and len(new_households) >= 2:
                cluster.status = ClusterStatus.PROPOSED
                self._logs.append(
                    (cluster.pk, self.now, LogKind.REOPENED,
                     "Proposed again: two or more households were added after dismissal.")
                )  # fmt: skip
                self.counts.clusters_reopened += 1
        self._grown[cluster.pk] = cluster

    def _merge(
        self, other: Cluster, primary: Cluster, members_of: dict[int, dict[int, ClusterCase]]
    ) -> None:
        moving = members_of.pop(other.pk, {})
        keep = members_of[primary.pk]
        ClusterCase.objects.filter(cluster=other).exclude(case_id__in=list(keep)).update(
            cluster=primary
        )
        ClusterCase.objects.filter(cluster=other).delete()
        for case_id, link in moving.items():
            keep.setdefault(case_id, link)
        if other.status == ClusterStatus.CONFIRMED:
            primary.status = ClusterStatus.CONFIRMED  # a confirmed outbreak stays confirmed
        other.status = ClusterStatus.MERGED
        other.merged_into = primary
        other.updated_at = self.now
        other.save()
        for cluster, text in (
            (other, f"Merged into cluster {primary.pk}: their cases now overlap in time."),
            (primary, f"Cluster {other.pk} merged into this one."),
        ):
            ClusterLog.objects.create(cluster=cluster, at=self.now, kind=LogKind.MERGED, text=text)
        record_event(None, Action.UPDATE, other, purpose="cluster merged", source=SOURCE)
        self.counts.clusters_merged += 1
