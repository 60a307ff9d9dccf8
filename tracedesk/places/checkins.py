"""Import venue check-ins (QR codes, logbooks): stream a CSV, validate, store set-based.

A file has a header row naming at least ``venue_id``, ``token`` and ``checked_in_at``
(any order, other columns ignored). Each chunk of rows is one transaction that also
advances the batch's counters and resume point, so a killed import leaves the
database as after some whole chunk and importing the same file again continues
there. Every row read is accepted, a duplicate (the same token at the same venue at
the same second, in this file or an earlier one), or rejected with its line, field
and reason: ``read = accepted + duplicates + rejected``.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import zoneinfo
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from tracedesk.accounts.models import signed_in
from tracedesk.audit.actions import record_event
from tracedesk.audit.models import Action
from tracedesk.bulk import among, insert_rows
from tracedesk.places.models import (
    CheckIn,
    CheckInBatch,
    CheckInRejection,
    DeviceToken,
    Setting,
    SettingDay,
)

CHUNK_SIZE = 20_000
REQUIRED = ("venue_id", "token", "checked_in_at")
MAX_TOKEN = 64
# A check-in stamped a little ahead of our clock is clock skew; further ahead is wrong.
FUTURE_TOLERANCE = dt.timedelta(minutes=10)
SOURCE = "checkins"

Progress = Callable[[CheckInBatch], None]


class CheckInFileError(ValueError):
    """The file as a whole cannot be read (no header, a required column missing)."""


@dataclass(frozen=True, slots=True)
class Row:
    line: int
    venue: str
    token: str
    at: dt.datetime
    raw: str


@dataclass(frozen=True, slots=True)
class Bad:
    line: int
    field: str
    reason: str
    raw: str


def file_digest(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
            size += len(block)
    return digest.hexdigest(), size


def _parse_time(text: str, local: dt.tzinfo) -> dt.datetime:
    value = dt.datetime.fromisoformat(text)
    if value.tzinfo is None:  # logbooks export local wall-clock time
        value = value.replace(tzinfo=local)
    return value.astimezone(dt.UTC)


def check_header(path: Path) -> None:
    """Raise CheckInFileError unless the file is UTF-8 text whose header names the columns.

    Upload paths call this first, so a file that cannot be a check-in file is refused
    with a reason before any batch is created for it.
    """
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            header = next(csv.reader(handle), None)
    except UnicodeDecodeError:
        raise CheckInFileError("The file is not UTF-8 text: expected a CSV file.") from None
    except csv.Error as exc:
        raise CheckInFileError(f"The header row is not valid CSV: {exc}.") from None
    if not header:
        raise CheckInFileError("The file is empty: expected a header row.")
    names = [name.strip().lower() for name in header]
    missing = [name for name in REQUIRED if name not in names]
    if missing:
        raise CheckInFileError(f"Header row lacks the column(s): {', '.join(missing)}.")


def read_rows(path: Path, *, skip: int = 0, now: dt.datetime | None = None) -> Iterator[Row | Bad]:
    """Yield each data row of the file after the first ``skip``, checked."""
    local = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    latest = (now or timezone.now()) + FUTURE_TOLERANCE
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if not header:
            raise CheckInFileError("The file is empty: expected a header row.")
        names = [name.strip().lower() for name in header]
        missing = [name for name in REQUIRED if name not in names]
        if missing:
            raise CheckInFileError(f"Header row lacks the column(s): {', '.join(missing)}.")
        iv, it, ia = (names.index(name) for name in REQUIRED)
        width = len(names)
        seen = 0
        for fields in reader:
            if not fields:
                continue  # a blank line is not a record
            seen += 1
            if seen <= skip:
                continue
            line = reader.line_num
            if len(fields) != width:
                yield Bad(
                    line, "row", f"{len(fields)} fields, the header has {width}", _raw(fields)
                )
                continue
            venue, token, at = fields[iv].strip(), fields[it].strip(), fields[ia].strip()
            if not venue:
                yield Bad(line, "venue_id", "missing", _raw(fields))
            elif not token:
                yield Bad(line, "token", "missing", _raw(fields))
            elif len(token) > MAX_TOKEN:
                yield Bad(line, "token", f"longer than {MAX_TOKEN} characters", _raw(fields))
            else:
                try:
                    when = _parse_time(at, local)
                except ValueError:
                    yield Bad(
                        line, "checked_in_at", f"{at!r} is not an ISO 8601 time", _raw(fields)
                    )
                    continue
                if when > latest:
                    yield Bad(line, "checked_in_at", f"{at} is in the future", _raw(fields))
                    continue
                yield Row(line, venue, token, when, _raw(fields))


def _raw(fields: list[str]) -> str:
    return ",".join(fields)


def batch_summary(batch: CheckInBatch) -> dict[str, Any]:
    """The reconciliation of a batch, as the command's JSON and the API give it."""
    return {
        "batch": batch.pk,
        "file": batch.source_name,
        "status": batch.status,
        "already_imported": batch.already_imported,
        "read": batch.read_count,
        "accepted": batch.accepted_count,
        "duplicates": batch.duplicate_count,
        "rejected": batch.rejected_count,
        "new_tokens": batch.new_token_count,
        "balanced": batch.balanced,
        "reconciles": batch.reconciles,
        "stopped_reason": batch.stopped_reason,
    }


def prepare_batch(
    path: Path, *, actor: object = None, channel: str = "cli", name: str | None = None
) -> CheckInBatch:
    """Return the batch for this file: the earlier one for the same bytes, or a new one."""
    sha256, size = file_digest(path)
    earlier = CheckInBatch.objects.filter(source_sha256=sha256).order_by("-received_at").first()
    if earlier is not None:
        earlier.already_imported = earlier.status == "complete"
        return earlier
    return CheckInBatch.objects.create(
        source_name=name or path.name,
        source_sha256=sha256,
        source_size=size,
        channel=channel,
        created_by=signed_in(actor),
    )


def import_file(
    path: Path,
    *,
    actor: object = None,
    channel: str = "cli",
    name: str | None = None,
    chunk_size: int = CHUNK_SIZE,
    progress: Progress | None = None,
    now: dt.datetime | None = None,
) -> CheckInBatch:
    """Import one file of check-ins and return its batch (a repeat changes nothing)."""
    batch = prepare_batch(path, actor=actor, channel=channel, name=name)
    return run_batch(batch, path, actor=actor, chunk_size=chunk_size, progress=progress, now=now)


def run_batch(
    batch: CheckInBatch,
    path: Path,
    *,
    actor: object = None,
    chunk_size: int = CHUNK_SIZE,
    progress: Progress | None = None,
    now: dt.datetime | None = None,
) -> CheckInBatch:
    """Import a prepared batch's file from its resume point to the end."""
    if batch.already_imported:
        return batch
    importer = _Importer(batch, actor)
    try:
        chunk: list[Row | Bad] = []
        consumed = batch.resume_after
        for item in read_rows(path, skip=batch.resume_after, now=now):
            chunk.append(item)
            consumed += 1
            if len(chunk) >= chunk_size:
                importer.store(chunk, consumed)
                chunk = []
                if progress:
                    progress(batch)
        if chunk:
            importer.store(chunk, consumed)
            if progress:
                progress(batch)
    except (CheckInFileError, OSError, UnicodeError, csv.Error) as exc:
        _stopped(batch, str(exc))
        return batch
    except Exception as exc:
        _stopped(batch, f"{type(exc).__name__}: {exc}")
        raise
    batch.status = "complete"
    batch.stopped_reason = ""
    batch.finished_at = timezone.now()
    batch.save(update_fields=["status", "stopped_reason", "finished_at"])
    return batch


def _stopped(batch: CheckInBatch, reason: str) -> None:
    batch.refresh_from_db()
    batch.status = "incomplete"
    batch.stopped_reason = f"Stopped after row {batch.resume_after}: {reason}"
    batch.save(update_fields=["status", "stopped_reason"])


class _Importer:
    def __init__(self, batch: CheckInBatch, actor: object) -> None:
        self.batch = batch
        self.actor = actor
        self.venues: dict[str, int] = {}

    def _venue_ids(self, refs: set[str]) -> None:
        unknown = [ref for ref in refs if ref not in self.venues]
        if unknown:
            found = Setting.objects.filter(among(Setting, "external_ref", unknown))
            self.venues.update(found.values_list("external_ref", "id"))

    @transaction.atomic
    def store(self, chunk: list[Row | Bad], consumed: int) -> None:
        batch = CheckInBatch.objects.select_for_update().get(pk=self.batch.pk)
        rows = [item for item in chunk if isinstance(item, Row)]
        bad = [item for item in chunk if isinstance(item, Bad)]
        self._venue_ids({row.venue for row in rows})
        placed = []
        for row in rows:
            if row.venue in self.venues:
                placed.append(row)
            else:
                bad.append(Bad(row.line, "venue_id", f"unknown venue {row.venue!r}", row.raw))
        tokens, new_tokens = _token_ids({row.token for row in placed})
        values = [(self.venues[r.venue], tokens[r.token], r.at, batch.pk) for r in placed]
        accepted = _insert_checkins(values)
        if bad:
            insert_rows(
                CheckInRejection,
                ["batch", "line", "field", "reason", "raw"],
                [(batch.pk, b.line, b.field, b.reason, b.raw) for b in bad],
            )
        batch.read_count += len(chunk)
        batch.accepted_count += accepted
        batch.duplicate_count += len(placed) - accepted
        batch.rejected_count += len(bad)
        batch.new_token_count += new_tokens
        batch.resume_after = consumed
        batch.save()
        record_event(
            self.actor,
            Action.CREATE,
            batch,
            purpose=f"venue check-ins imported: {accepted} rows",
            source=SOURCE,
        )
        self.batch.__dict__.update(
            {k: getattr(batch, k) for k in ("read_count", "accepted_count", "duplicate_count",
                                            "rejected_count", "new_token_count", "resume_after")}
        )  # fmt: skip


def _token_ids(tokens: set[str]) -> tuple[dict[str, int], int]:
    """Return each token's id, creating the tokens not seen before (and how many)."""
    found = dict(
        DeviceToken.objects.filter(among(DeviceToken, "token", tokens)).values_list("token", "id")
    )
    new = sorted(tokens - found.keys())
    if new:
        now = timezone.now()
        ids = insert_rows(DeviceToken, ["token", "first_seen_at"], [(t, now) for t in new])
        found.update(zip(new, ids, strict=True))
    return found, len(new)


def _zone_name() -> str:
    """``TIME_ZONE``, whose calendar days are the days of ``SettingDay``."""
    return str(settings.TIME_ZONE)


def _sqlite_time(value: dt.datetime) -> str:
    return str(value.astimezone(dt.UTC).replace(tzinfo=None))


def _insert_checkins(values: list[tuple[int, int, dt.datetime, int]]) -> int:
    """Insert check-ins, skipping ones already stored; count per setting and day. Returns
    how many were new."""
    if not values:
        return 0
    table = CheckIn._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "CREATE TEMP TABLE IF NOT EXISTS checkin_stage"
                " (setting_id integer, token_id bigint, checked_in_at timestamptz,"
                " batch_id bigint) ON COMMIT DELETE ROWS"
            )
            stage = "COPY checkin_stage (setting_id, token_id, checked_in_at, batch_id) FROM STDIN"
            with cursor.cursor.copy(stage) as copy:
                for row in values:
                    copy.write_row(row)
            cursor.execute(
                f"INSERT INTO {table} (setting_id, token_id, checked_in_at, batch_id)"  # noqa: S608
                " SELECT setting_id, token_id, checked_in_at, batch_id FROM checkin_stage"
                " ON CONFLICT DO NOTHING"
                " RETURNING setting_id, (checked_in_at AT TIME ZONE %s)::date",
                [_zone_name()],
            )
            per_day = Counter((s, d) for s, d in cursor.fetchall())
            cursor.execute("TRUNCATE checkin_stage")
        else:
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")  # noqa: S608
            before = cursor.fetchone()[0]
            cursor.executemany(
                f"INSERT INTO {table} (setting_id, token_id, checked_in_at, batch_id)"  # noqa: S608
                " VALUES (%s, %s, %s, %s) ON CONFLICT DO NOTHING",
                [(s, t, _sqlite_time(at), b) for s, t, at, b in values],
            )
            # Counted per UTC minute in SQL, then turned into local days here: SQLite has no
            # time zones, and a Python function per row would be slow at millions of rows.
            cursor.execute(
                f"SELECT setting_id, substr(checked_in_at, 1, 16), COUNT(*) FROM {table}"  # noqa: S608
                " WHERE id > %s GROUP BY 1, 2",
                [before],
            )
            per_day = Counter()
            days: dict[str, dt.date] = {}
            local = zoneinfo.ZoneInfo(_zone_name())
            for setting_id, minute, n in cursor.fetchall():
                if minute not in days:
                    at = dt.datetime.fromisoformat(minute).replace(tzinfo=dt.UTC)
                    days[minute] = at.astimezone(local).date()
                per_day[(setting_id, days[minute])] += n
        if per_day:
            day_table = SettingDay._meta.db_table
            cursor.executemany(
                f"INSERT INTO {day_table} (setting_id, day, checkins) VALUES (%s, %s, %s)"  # noqa: S608
                " ON CONFLICT (setting_id, day) DO UPDATE"
                f" SET checkins = {day_table}.checkins + excluded.checkins",
                [(s, d, n) for (s, d), n in per_day.items()],
            )
    return sum(per_day.values())


@transaction.atomic
def link_token(person: object, token: str, *, actor: object, source: str) -> DeviceToken:
    """Record that a check-in token is this person's (given in an interview or form)."""
    token = token.strip()
    if not token or len(token) > MAX_TOKEN:
        from django.core.exceptions import ValidationError

        raise ValidationError({"token": f"A check-in token is 1 to {MAX_TOKEN} characters."})
    device, _ = DeviceToken.objects.get_or_create(token=token)
    if device.person_id != getattr(person, "pk", None):
        device.person = person  # type: ignore[assignment]
        device.linked_at = timezone.now()
        device.save(update_fields=["person", "linked_at"])
        record_event(actor, Action.UPDATE, device, purpose="check-in token linked", source=source)
    return device


@transaction.atomic
def link_tokens(pairs: list[tuple[str, int]], *, actor: object, source: str) -> int:
    """Link many tokens to people at once (``(token, person_id)``); one audit event.

    Returns how many tokens changed person. Tokens never seen in a check-in are created.
    """
    from tracedesk.audit.actions import record_events

    wanted = dict(pairs)
    _token_ids(set(wanted))
    now = timezone.now()
    devices = list(DeviceToken.objects.filter(among(DeviceToken, "token", list(wanted))))
    changed = []
    for device in devices:
        person = wanted[device.token]
        if device.person_id != person:
            device.person_id = person
            device.linked_at = now
            changed.append(device)
    DeviceToken.objects.bulk_update(changed, ["person", "linked_at"], batch_size=2000)
    record_events(
        actor,
        Action.UPDATE,
        DeviceToken,
        [device.pk for device in changed],
        purpose="check-in tokens linked",
        source=source,
    )
    return len(changed)
