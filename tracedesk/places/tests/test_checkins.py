"""Venue check-in import: reconciliation, rejections, duplicates, resume, and detection."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tracedesk.clusters.detection import detect
from tracedesk.clusters.models import Cluster
from tracedesk.clusters.tests.helpers import make_case
from tracedesk.places import checkins
from tracedesk.places.checkins import import_file, link_token
from tracedesk.places.models import CheckIn, CheckInBatch, DeviceToken, SettingDay
from tracedesk.testing.world import World

NOW = timezone.now().replace(microsecond=0)
T1 = (NOW - dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%S+00:00")
T2 = (NOW - dt.timedelta(days=2, hours=-1)).strftime("%Y-%m-%dT%H:%M:%S+00:00")
FUTURE = (NOW + dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def _write(tmp_path: Path, name: str, lines: list[str]) -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_file_reconciles_and_every_rejection_names_line_and_field(
    world: World, tmp_path: Path
) -> None:
    path = _write(tmp_path, "day1.csv", [
        "venue_id,token,checked_in_at",
        f"VENUE-A,tok-1,{T1}",
        f"VENUE-A,tok-2,{T1}",
        f"VENUE-A,tok-1,{T1}",          # the same check-in twice: a duplicate
        f"VENUE-NOPE,tok-3,{T1}",       # unknown venue
        f",tok-4,{T1}",                 # missing venue
        "VENUE-A,tok-5,yesterday",      # bad time
        f"VENUE-A,tok-6,{FUTURE}",      # in the future
        f"VENUE-B,{'x' * 65},{T1}",     # token too long
        "VENUE-A,tok-7",               # too few fields
        f"VENUE-B,tok-1,{T2}",
    ])  # fmt: skip
    batch = import_file(path)
    assert batch.reconciles
    assert (batch.read_count, batch.accepted_count, batch.duplicate_count,
            batch.rejected_count) == (10, 3, 1, 6)  # fmt: skip
    rejected = {(r.line, r.field) for r in batch.rejections.all()}
    assert rejected == {(5, "venue_id"), (6, "venue_id"), (7, "checked_in_at"),
                        (8, "checked_in_at"), (9, "token"), (10, "row")}  # fmt: skip
    unknown = batch.rejections.get(line=5)
    assert "VENUE-NOPE" in unknown.reason and unknown.raw.startswith("VENUE-NOPE,tok-3")
    assert CheckIn.objects.count() == 3
    assert DeviceToken.objects.count() == 2
    day = (NOW - dt.timedelta(days=2)).date()
    assert SettingDay.objects.get(setting=world.district("a").setting, day=day).checkins == 2


def test_the_same_file_again_writes_nothing_and_overlaps_are_duplicates(
    world: World, tmp_path: Path
) -> None:
    rows = ["venue_id,token,checked_in_at", f"VENUE-A,tok-1,{T1}", f"VENUE-A,tok-2,{T1}"]
    first = import_file(_write(tmp_path, "a.csv", rows))
    again = import_file(_write(tmp_path, "a-copy.csv", rows))
    assert again.pk == first.pk and again.already_imported
    overlap = import_file(_write(tmp_path, "b.csv", [*rows, f"VENUE-A,tok-3,{T1}"]))
    assert (overlap.accepted_count, overlap.duplicate_count) == (1, 2)
    assert CheckIn.objects.count() == 3
    assert SettingDay.objects.get().checkins == 3


def test_columns_in_any_order_naive_local_times_and_a_missing_column(
    world: World, tmp_path: Path
) -> None:
    path = _write(tmp_path, "b.csv", ["checked_in_at,extra,token,venue_id",
                                      "2020-07-01T12:30:00,x,tok-9,VENUE-B"])  # fmt: skip
    batch = import_file(path)
    assert batch.accepted_count == 1
    # 12:30 in London in July is 11:30 UTC.
    assert CheckIn.objects.get().checked_in_at == dt.datetime(2020, 7, 1, 11, 30, tzinfo=dt.UTC)
    bad = import_file(_write(tmp_path, "c.csv", ["venue,token,time", "VENUE-A,t,2020-07-01"]))
    assert bad.status == "incomplete" and "venue_id" in bad.stopped_reason


def test_an_interrupted_import_resumes_to_the_same_result(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = (
        ["venue_id,token,checked_in_at"]
        + [
            f"VENUE-{'A' if i % 2 else 'B'},tok-{i % 7},"
            f"{(NOW - dt.timedelta(days=1, minutes=i)).isoformat()}"
            for i in range(25)
        ]
        + ["VENUE-A,tok-1,nonsense"]
    )
    path = _write(tmp_path, "big.csv", rows)
    real = checkins._insert_checkins
    calls = {"n": 0}

    def failing(values):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("killed")
        return real(values)

    monkeypatch.setattr(checkins, "_insert_checkins", failing)
    with pytest.raises(RuntimeError):
        import_file(path, chunk_size=5)
    stopped = CheckInBatch.objects.get()
    assert stopped.status == "incomplete" and stopped.resume_after == 10
    assert CheckIn.objects.count() == 10
    monkeypatch.setattr(checkins, "_insert_checkins", real)
    done = import_file(path, chunk_size=5)
    assert done.pk == stopped.pk and done.reconciles
    assert (done.read_count, done.accepted_count, done.rejected_count) == (26, 25, 1)
    assert CheckIn.objects.count() == 25


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["VENUE-A", "VENUE-B", "VENUE-X", ""]),
            st.sampled_from(["t1", "t2", "t3", ""]),
            st.sampled_from([T1, T2, "bad", FUTURE]),
        ),
        max_size=30,
    ),
    st.integers(1, 7),
)
def test_read_always_equals_accepted_plus_duplicates_plus_rejected(
    world: World, tmp_path_factory, rows, chunk_size
) -> None:
    directory = tmp_path_factory.mktemp("prop")
    lines = ["venue_id,token,checked_in_at", *(",".join(r) for r in rows),
             f"VENUE-A,unique-{len(rows)}-{chunk_size}-{id(rows)},{T1}"]  # fmt: skip
    batch = import_file(_write(directory, "p.csv", lines), chunk_size=chunk_size)
    assert batch.read_count == len(rows) + 1
    assert batch.read_count == batch.accepted_count + batch.duplicate_count + batch.rejected_count
    assert batch.rejections.count() == batch.rejected_count


def test_the_command_prints_the_reconciliation(world: World, tmp_path: Path) -> None:
    path = _write(tmp_path, "cmd.csv", ["venue_id,token,checked_in_at", f"VENUE-A,t1,{T1}",
                                         "VENUE-Q,t1,x"])  # fmt: skip
    out = io.StringIO()
    call_command("checkins", str(path), stdout=out)
    text = out.getvalue()
    assert "read 2 = accepted 1 + duplicates 0 + rejected 1" in text
    assert "rejected line 3 [checked_in_at]" in text
    with pytest.raises(CommandError):
        call_command("checkins", str(tmp_path / "missing.csv"))


def test_check_ins_of_linked_tokens_make_a_cluster(world: World, tmp_path: Path) -> None:
    setting = world.district("a").setting
    specimen = timezone.now().date() - dt.timedelta(days=1)
    exposed = dt.datetime.combine(specimen - dt.timedelta(days=5), dt.time(19), tzinfo=dt.UTC)
    cases = [make_case(world.leeds, specimen_on=specimen, house=h) for h in (1, 2)]
    path = _write(tmp_path, "evening.csv", ["venue_id,token,checked_in_at"] + [
        f"VENUE-A,app-{i},{(exposed + dt.timedelta(minutes=i)).isoformat()}" for i in range(5)
    ])  # fmt: skip
    import_file(path)
    link_token(cases[0].person, "app-0", actor=None, source="tests")
    detect()
    assert not Cluster.objects.exists()  # one known case only
    link_token(cases[1].person, "app-3", actor=None, source="tests")  # linked later
    assert detect()["clusters_proposed"] == 1
    cluster = Cluster.objects.get()
    assert cluster.setting == setting and cluster.attendee_count == 5
