"""Read-volume alerts: a user who reads far more personal data than their peers.

Staff who browse records out of curiosity (or copy them out) read many more than
colleagues doing the same job. Once a day the worker counts each user's read events
(``view``, ``list``, ``export``) for each of the last ``LOOKBACK_DAYS`` whole days
and compares every user with the others of the same role who read that day, using
a robust statistic that a few heavy readers cannot drag upwards:

    spread    = max(1.4826 x MAD, SPREAD_FLOOR_SHARE x median, 1)
    threshold = median + K x spread

MAD is the median absolute deviation of the peers' counts; 1.4826 x MAD estimates
the standard deviation of normally distributed counts, so ``K = 3.5`` is Iglewicz
and Hoaglin's modified z-score cut-off for outliers. The floor keeps a role whose
members all read the same amount (MAD 0) from flagging someone one read above it.
A user is flagged when their reads exceed the threshold and are at least
``MIN_READS``; roles with fewer than ``MIN_PEERS`` readers that day are not assessed
(there is no peer group to compare with). The statistic is computed over everyone
of the role, the flagged user included: with a median, one outlier barely moves it.

Only requests that were served count as reads. Refused ones (403, or 404 outside
scope: ``AuditEvent.outcome``) raise an alert of their own kind when one user has at
least ``REFUSALS_PER_DAY`` in a day.

One ``ReadAlert`` per user, kind and day, whatever the number of runs: the job is idempotent.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import Count

from tracedesk.audit.actions import record_events
from tracedesk.audit.models import Action, AlertKind, AuditEvent, Outcome, ReadAlert

K = 3.5
MAD_TO_SD = 1.4826
SPREAD_FLOOR_SHARE = 0.1
MIN_READS = 20
MIN_PEERS = 5
LOOKBACK_DAYS = 7
READ_ACTIONS = (Action.VIEW, Action.LIST, Action.EXPORT)
# Refused requests (403, or 404 outside scope) in one day that raise a "refusals" alert.
# Not compared with peers: most users are refused nothing, so any peer statistic is 0;
# a fixed limit well above mistyped links and stale bookmarks flags someone probing.
REFUSALS_PER_DAY = 10


@dataclass(frozen=True)
class PeerStatistic:
    peers: int
    median: float
    mad: float
    threshold: float


def peer_statistic(counts: Mapping[int, int]) -> PeerStatistic | None:
    """Return the median, MAD and alert threshold of one role's reads (None: too few peers)."""
    if len(counts) < MIN_PEERS:
        return None
    values = list(counts.values())
    median = float(statistics.median(values))
    mad = float(statistics.median(abs(value - median) for value in values))
    spread = max(MAD_TO_SD * mad, SPREAD_FLOOR_SHARE * median, 1.0)
    return PeerStatistic(len(values), median, mad, median + K * spread)


def outliers(counts: Mapping[int, int]) -> tuple[PeerStatistic | None, dict[int, int]]:
    """Return the role's statistic and the users (id → reads) far above their peers."""
    stat = peer_statistic(counts)
    if stat is None:
        return None, {}
    return stat, {
        user: reads
        for user, reads in counts.items()
        if reads > stat.threshold and reads >= MIN_READS
    }


def day_bounds(now: dt.datetime, days_ago: int) -> tuple[dt.datetime, dt.datetime]:
    """Return the start and end (UTC) of the whole local day ``days_ago`` days before today."""
    zone = ZoneInfo(settings.TIME_ZONE)
    today = now.astimezone(zone).date()
    day = today - dt.timedelta(days=days_ago)
    start = dt.datetime.combine(day, dt.time(), tzinfo=zone)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=zone)
    return start.astimezone(dt.UTC), end.astimezone(dt.UTC)


def reads_per_user(start: dt.datetime, end: dt.datetime) -> dict[str, dict[int, int]]:
    """Return role → user id → read events in [start, end)."""
    rows = (
        AuditEvent.objects.filter(
            at__gte=start,
            at__lt=end,
            action__in=READ_ACTIONS,
            actor__isnull=False,
            outcome=Outcome.DONE,
        )
        .values("actor_id", "actor_role")
        .annotate(reads=Count("id"))
    )
    per_role: dict[str, dict[int, int]] = defaultdict(dict)
    for row in rows:
        per_role[row["actor_role"]][row["actor_id"]] = row["reads"]
    return per_role


def refusals_per_user(start: dt.datetime, end: dt.datetime) -> dict[str, dict[int, int]]:
    """Return role → user id → refused requests in [start, end)."""
    rows = (
        AuditEvent.objects.filter(at__gte=start, at__lt=end, actor__isnull=False)
        .exclude(outcome=Outcome.DONE)
        .values("actor_id", "actor_role")
        .annotate(refusals=Count("id"))
    )
    per_role: dict[str, dict[int, int]] = defaultdict(dict)
    for row in rows:
        per_role[row["actor_role"]][row["actor_id"]] = row["refusals"]
    return per_role


def refusal_alerts(start: dt.datetime, end: dt.datetime) -> list[ReadAlert]:
    """Return an unsaved alert for each user refused at least ``REFUSALS_PER_DAY`` times."""
    alerts: list[ReadAlert] = []
    for role, users in sorted(refusals_per_user(start, end).items()):
        values = list(users.values())
        median = float(statistics.median(values))
        mad = float(statistics.median(abs(value - median) for value in values))
        alerts.extend(
            ReadAlert(
                user_id=user_id,
                kind=AlertKind.REFUSALS,
                role=role,
                period_start=start,
                period_end=end,
                reads=refusals,
                peers=len(values),
                peer_median=median,
                peer_mad=mad,
                threshold=REFUSALS_PER_DAY,
            )
            for user_id, refusals in sorted(users.items())
            if refusals >= REFUSALS_PER_DAY
        )
    return alerts


def assess_day(start: dt.datetime, end: dt.datetime, *, dry_run: bool) -> dict[str, int]:
    """Flag the outlying readers of one day; return counts for the worker's log."""
    counts = {
        "roles_assessed": 0, "users_assessed": 0, "flagged": 0, "new_alerts": 0,
        "refusals_flagged": 0,
    }  # fmt: skip
    new: list[ReadAlert] = []
    already = set(
        ReadAlert.objects.filter(period_start=start, period_end=end).values_list("user_id", "kind")
    )
    for role, users in sorted(reads_per_user(start, end).items()):
        stat, flagged = outliers(users)
        if stat is None:
            continue
        counts["roles_assessed"] += 1
        counts["users_assessed"] += len(users)
        counts["flagged"] += len(flagged)
        new.extend(
            ReadAlert(
                user_id=user_id,
                role=role,
                period_start=start,
                period_end=end,
                reads=reads,
                peers=stat.peers,
                peer_median=stat.median,
                peer_mad=stat.mad,
                threshold=stat.threshold,
            )
            for user_id, reads in sorted(flagged.items())
            if (user_id, AlertKind.READS) not in already
        )
    refused = refusal_alerts(start, end)
    counts["refusals_flagged"] = len(refused)
    new.extend(alert for alert in refused if (alert.user_id, alert.kind) not in already)
    counts["new_alerts"] = len(new)
    if new and not dry_run:
        with transaction.atomic():
            created = [alert for alert in new if _create(alert)]
            record_events(
                None,
                Action.CREATE,
                ReadAlert,
                [alert.pk for alert in created],
                purpose="read-volume and refusal alerts raised",
                source="worker:audit.read_volume",
            )
    return counts


def _create(alert: ReadAlert) -> bool:
    """Save one alert unless a concurrent run saved it first."""
    saved, created = ReadAlert.objects.get_or_create(
        user_id=alert.user_id,
        kind=alert.kind,
        period_start=alert.period_start,
        period_end=alert.period_end,
        defaults={
            "role": alert.role,
            "reads": alert.reads,
            "peers": alert.peers,
            "peer_median": alert.peer_median,
            "peer_mad": alert.peer_mad,
            "threshold": alert.threshold,
        },
    )
    alert.pk = saved.pk
    return created


def run(now: dt.datetime, dry_run: bool) -> dict[str, int]:
    """Assess each of the last ``LOOKBACK_DAYS`` whole days (the worker's entry point)."""
    totals: dict[str, int] = defaultdict(int)
    for days_ago in range(1, LOOKBACK_DAYS + 1):
        start, end = day_bounds(now, days_ago)
        for key, value in assess_day(start, end, dry_run=dry_run).items():
            totals[key] += value
    return dict(totals)
