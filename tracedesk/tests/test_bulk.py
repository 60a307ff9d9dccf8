"""insert_rows: the set-based insert used by laboratory feeds, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from tracedesk.audit.models import AuditEvent
from tracedesk.bulk import insert_rows
from tracedesk.people.models import Person
from tracedesk.testing.world import World

AT = dt.datetime(2020, 10, 2, 6, 30, 15, 123456, tzinfo=dt.UTC)


def test_rows_come_back_as_the_orm_reads_them(world: World) -> None:
    before = Person.objects.create(first_name="Before", jurisdiction=world.leeds)
    columns = ["first_name", "last_name", "date_of_birth", "jurisdiction", "created_at"]
    with transaction.atomic():
        ids = insert_rows(
            Person,
            [*columns, "updated_at"],
            [
                ("Ada", "O'Brien", dt.date(1950, 2, 28), world.leeds.pk, AT, AT),
                ("Bo", "", None, world.camden.pk, AT, AT),
            ],
        )
    assert len(set(ids)) == 2 and min(ids) > before.pk
    ada, bo = Person.objects.get(pk=ids[0]), Person.objects.get(pk=ids[1])
    assert (ada.last_name, ada.date_of_birth, ada.jurisdiction, ada.created_at) == (
        "O'Brien", dt.date(1950, 2, 28), world.leeds, AT,
    )  # fmt: skip
    assert (bo.date_of_birth, bo.jurisdiction) == (None, world.camden)
    # the ORM's lookups find them (dates stored in the ORM's own format)
    assert Person.objects.filter(created_at__gte=AT, date_of_birth__year=1950).get() == ada
    after = Person.objects.create(first_name="After", jurisdiction=world.leeds)
    assert after.pk > max(ids)


def test_json_values_and_no_reused_ids(world: World) -> None:
    with transaction.atomic():
        [first] = insert_rows(AuditEvent, ["action", "object_type", "object_ids", "at"],
                              [("create", "people.person", [3, 1, 2], AT)])  # fmt: skip
    assert AuditEvent.objects.get(pk=first).object_ids == [3, 1, 2]
    AuditEvent.objects.filter(pk=first).delete()
    with transaction.atomic():
        [second] = insert_rows(AuditEvent, ["action", "object_type", "at"],
                               [("create", "people.person", AT)])  # fmt: skip
    assert second > first  # a deleted row's id is never handed out again


def test_a_broken_constraint_is_djangos_integrity_error_and_the_savepoint_survives(
    world: World,
) -> None:
    """On PostgreSQL the rows go by COPY, outside Django's cursor: its errors are still
    Django's, so a caller can catch IntegrityError and carry on after a savepoint."""
    from tracedesk.ingest.actions import RESULT_COLUMNS
    from tracedesk.ingest.models import TestResult

    row = ("LAB", "S1", "94500-6", "", "negative", AT, AT, AT, None, None, world.leeds.pk, None)
    with transaction.atomic():
        insert_rows(TestResult, RESULT_COLUMNS, [row])
        with pytest.raises(IntegrityError), transaction.atomic():
            insert_rows(TestResult, RESULT_COLUMNS, [(*row[:1], "S2", *row[2:]), row])
        assert list(TestResult.objects.filter(lab_code="LAB").values_list("specimen_id")) == [
            ("S1",)
        ]


def test_nothing_to_insert(world: World) -> None:
    with transaction.atomic():
        assert insert_rows(Person, ["first_name"], []) == []


@pytest.mark.django_db(transaction=True)
def test_refuses_to_run_outside_a_transaction() -> None:
    with pytest.raises(RuntimeError):
        insert_rows(AuditEvent, ["action", "object_type", "at"], [("create", "x.y", AT)])
