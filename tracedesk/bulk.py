"""Set-based inserts for high-volume writes (laboratory feeds): many rows, one statement.

Django's ``bulk_create`` builds a model instance per row and compiles every value
through its field; at a million rows that costs more than the database's own work.
``insert_rows`` takes plain tuples of Python values instead and sends them with
``executemany`` (SQLite) or ``COPY`` (PostgreSQL), after allocating the primary
keys itself so that the caller knows each row's id without a RETURNING round trip.

It writes exactly what it is given: callers validate first (lengths, choices,
relations) and write the audit event of the change in the same transaction.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.db import connection, models
from django.db.models import BooleanField
from django.db.models.expressions import RawSQL
from django.utils import timezone

Adapter = Callable[[Any], Any]


def insert_rows(
    model: type[models.Model], columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> list[int]:
    """Insert ``rows`` (one value per name in ``columns``) into ``model``'s table.

    Fields not named take their model default (``auto_now`` ones: now), the same
    for every row. Returns the new primary keys, in the order of ``rows``. Must run
    inside a transaction (the ids are allocated under it).
    """
    if not rows:
        return []
    if not connection.in_atomic_block:
        raise RuntimeError("insert_rows runs inside the transaction of the change.")
    meta = model._meta
    named = [meta.get_field(name) for name in columns]
    others = [f for f in meta.concrete_fields if f not in named and not f.primary_key]
    defaults = tuple(_default(f) for f in others)
    fields = [*named, *others]
    quote = connection.ops.quote_name
    names = ", ".join(quote(str(f.column)) for f in [meta.pk, *fields])  # type: ignore[union-attr]
    ids = _allocate_ids(model, len(rows))
    adapters = [(i, a) for i, a in enumerate(map(_adapter, fields), start=1) if a is not None]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            sql = f"COPY {quote(meta.db_table)} ({names}) FROM STDIN"
            # Django's error types (IntegrityError, ...), as for every other statement.
            with connection.wrap_database_errors, cursor.cursor.copy(sql) as copy:
                for pk, row in zip(ids, rows, strict=True):
                    copy.write_row(_adapted([pk, *row, *defaults], adapters))
        else:
            marks = ", ".join(["%s"] * (len(fields) + 1))
            cursor.executemany(
                f"INSERT INTO {quote(meta.db_table)} ({names}) VALUES ({marks})",  # noqa: S608  (quoted names)
                [
                    _adapted([pk, *row, *defaults], adapters)
                    for pk, row in zip(ids, rows, strict=True)
                ],
            )
    return ids


def among(model: type[models.Model], field: str, values: Iterable[Any]) -> RawSQL:
    """A filter: ``field`` is one of ``values`` — sent as one array parameter.

    ``filter(among(Person, "match_key", keys))`` does what ``match_key__in=keys``
    does, without the ORM preparing every value (its cost at thousands of values)
    and without SQLite's limit on the number of parameters.
    """
    column = str(model._meta.get_field(field).column)  # type: ignore[union-attr]
    quote = connection.ops.quote_name
    name = f"{quote(model._meta.db_table)}.{quote(column)}"
    values = list(values)
    if connection.vendor == "postgresql":
        return RawSQL(f"{name} = ANY(%s)", [values], output_field=BooleanField())  # noqa: S611
    sql = f"{name} IN (SELECT value FROM json_each(%s))"  # noqa: S608  (quoted names)
    return RawSQL(sql, [json.dumps(values)], output_field=BooleanField())  # noqa: S611


def _adapted(values: list[Any], adapters: list[tuple[int, Adapter]]) -> list[Any]:
    """``values`` with each (position, adapter) applied to its value (None stays None)."""
    for i, adapt in adapters:
        value = values[i]
        if value is not None:
            values[i] = adapt(value)
    return values


def _default(field: Any) -> Any:
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return timezone.now()
    return field.get_default()


def _adapter(field: Any) -> Adapter | None:
    """How a Python value of this field is handed to the database driver (None: as it is)."""
    kind = field.get_internal_type()
    if kind == "JSONField":
        return json.dumps
    if connection.vendor == "postgresql":
        return None  # psycopg adapts dates and aware datetimes itself
    if kind == "DateTimeField":
        return _sqlite_datetime
    if kind == "DateField":
        return connection.ops.adapt_datefield_value
    return None


@functools.lru_cache(maxsize=1 << 16)  # a feed repeats its times (received, created, ...)
def _sqlite_datetime(value: dt.datetime) -> str:
    """The text Django stores in SQLite for a datetime: UTC, without an offset (what
    ``adapt_datetimefield_value`` returns, at a third of its cost)."""
    if value.tzinfo is None:
        raise ValueError(f"{value} has no time zone")
    return str(value.astimezone(dt.UTC).replace(tzinfo=None))


def _allocate_ids(model: type[models.Model], count: int) -> list[int]:
    """Reserve ``count`` new primary keys for ``model``."""
    table, pk = model._meta.db_table, str(model._meta.pk.column)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [table, pk, count],
            )
            return sorted(row[0] for row in cursor.fetchall())
        # SQLite: the write lock is held for the whole transaction, so nobody else can
        # take these ids; AUTOINCREMENT never reuses one, hence sqlite_sequence too.
        quote = connection.ops.quote_name
        cursor.execute(
            f"SELECT MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = %s), 0),"  # noqa: S608
            f" COALESCE((SELECT MAX({quote(pk)}) FROM {quote(table)}), 0))",
            [table],
        )
        start = cursor.fetchone()[0]
        return list(range(start + 1, start + count + 1))
