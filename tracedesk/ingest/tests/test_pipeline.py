"""The pipeline's promises: reconciled, idempotent, corrections with history, resumable."""

from __future__ import annotations

import datetime as dt
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from tracedesk.audit.models import AuditEvent
from tracedesk.cases.models import Case
from tracedesk.ingest import actions, pipeline, readahead
from tracedesk.ingest.actions import resubmit_rejection
from tracedesk.ingest.models import BatchStatus, IngestBatch, TestResult, TestResultRevision
from tracedesk.ingest.pipeline import ingest_file
from tracedesk.ingest.tests.feeds import people, row, write_csv
from tracedesk.lib.labfeeds import CsvFeed, FeedError
from tracedesk.people.models import Person
from tracedesk.testing.world import World
from tracedesk.tracing.models import TaskKind, TracingTask


def test_a_feed_reconciles_and_keeps_every_rejected_record(world: World, tmp_path: Path) -> None:
    rows = [
        row("S1"),
        row("S2", result="MAYBE"),
        row("S3", result="POSITIVE", first_name="Grace", last_name="Hopper"),
        row("S4", specimen_collected_at="31/02/2020"),
        row("S5", nhs_number="1234567890"),
        row("S6", result_at="2020-09-30T00:00:00+00:00"),  # before collection
        row("S7" * 40),  # longer than any laboratory's specimen id may be
    ]
    batch = ingest_file(write_csv(tmp_path / "feed.csv", rows))
    assert batch.status == BatchStatus.COMPLETE and batch.reconciles
    assert (batch.read_count, batch.accepted_count, batch.duplicate_count) == (7, 2, 0)
    assert batch.rejected_count == 5 and batch.positive_count == 1
    rejected = {(r.number, r.field) for r in batch.rejections.all()}
    assert rejected == {
        (3, "result"),
        (5, "specimen_collected_at"),
        (6, "nhs_number"),
        (7, "result_at"),
        (8, "specimen_id"),
    }
    bad_date = batch.rejections.get(number=5)
    assert "31/02/2020" in bad_date.reason and "record 5" in bad_date.reason
    assert "S4" in bad_date.raw
    assert TestResult.objects.filter(batch=batch).count() == 2


def test_the_same_file_again_changes_nothing(world: World, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "feed.csv", people(30))
    first = ingest_file(path)
    models = (TestResult, Person, Case, TracingTask, IngestBatch, AuditEvent)
    counts = [m.objects.count() for m in models]
    again = ingest_file(path)
    assert again.pk == first.pk and again.already_ingested and again.reconciles
    assert [m.objects.count() for m in models] == counts
    # The same results in another file are all duplicates, in a batch of their own.
    other = ingest_file(write_csv(tmp_path / "copy.csv", people(30), trailer=30))
    assert (other.read_count, other.accepted_count, other.duplicate_count) == (30, 0, 30)
    assert [m.objects.count() for m in models[:4]] == counts[:4]


def test_a_chunk_overlapping_stored_results_comes_out_as_if_looked_up_first(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A chunk is stored first as if none of its results were known (no look-up); when
    one was, that attempt is undone whole and the chunk stored knowing them."""
    looked_up = []
    real = actions._stored

    def counted(keys: object) -> object:
        looked_up.append(keys)
        return real(keys)  # type: ignore[arg-type]

    monkeypatch.setattr(actions, "_stored", counted)
    first = ingest_file(write_csv(tmp_path / "first.csv", people(10)))
    assert first.accepted_count == 10 and looked_up == []  # nothing was stored: no look-up
    counts = {m: m.objects.count() for m in (Person, Case, TracingTask)}
    later = "2020-10-03T06:00:00+00:00"
    rows = [*people(3), row("S00004", result="POSITIVE", first_name="Person4", result_at=later)]
    rows += people(3, prefix="N")
    second = ingest_file(write_csv(tmp_path / "second.csv", rows))
    assert len(looked_up) == 1  # the first attempt met S00001 and was undone
    assert (second.read_count, second.accepted_count, second.duplicate_count) == (7, 4, 3)
    assert second.correction_count == 1 and second.positive_count == 1 and second.reconciles
    # The undone attempt left nothing: one person, case and task for the corrected result.
    assert Person.objects.filter(first_name="Person4").count() == 1
    assert {m: m.objects.count() for m in counts} == {
        Person: counts[Person] + 1,
        Case: counts[Case] + 1,
        TracingTask: counts[TracingTask] + 1,
    }
    # Each stored result's creation is audited once; none of the undone attempt's ids.
    ours = TestResult.objects.filter(batch__in=[first, second]).values_list("pk", flat=True)
    created = AuditEvent.objects.filter(
        action="create", object_type="ingest.testresult", source="ingest"
    )
    ids = sorted(int(i) for e in created for i in (e.object_ids or [e.object_id]))
    assert ids == sorted(ours) and len(ids) == 13


def test_positive_results_become_cases_with_a_deadline(world: World, tmp_path: Path) -> None:
    batch = ingest_file(write_csv(tmp_path / "feed.csv", people(10, positive_every=2)))
    assert batch.positive_count == 5
    cases = Case.objects.filter(test_results__batch=batch).distinct()
    assert cases.count() == 5
    for task in TracingTask.objects.filter(kind=TaskKind.REACH_CASE, case__in=cases):
        assert task.due_by == batch.received_at + dt.timedelta(hours=24)
        assert task.jurisdiction == world.leeds  # LS6 is Leeds


def test_a_changed_result_is_a_correction_with_history(world: World, tmp_path: Path) -> None:
    ingest_file(write_csv(tmp_path / "first.csv", [row("S1")]))
    corrected = row("S1", result="POSITIVE", result_at="2020-10-02T09:00:00+00:00")
    batch = ingest_file(write_csv(tmp_path / "second.csv", [corrected]))
    assert (batch.accepted_count, batch.correction_count, batch.duplicate_count) == (1, 1, 0)
    result = TestResult.objects.get(specimen_id="S1")
    assert result.result == "positive" and result.case is not None
    revision = TestResultRevision.objects.get(test_result=result)
    assert revision.previous_result == "negative" and revision.batch == batch
    assert TestResult.objects.filter(specimen_id="S1").count() == 1


def test_resending_a_file_that_corrects_itself_changes_nothing(
    world: World, tmp_path: Path
) -> None:
    later = "2020-10-03T06:00:00+00:00"
    path = write_csv(tmp_path / "feed.csv", [row("S1"), row("S1", result="VOID", result_at=later)])
    first = ingest_file(path)
    assert (first.accepted_count, first.correction_count) == (2, 1)
    copy = write_csv(
        tmp_path / "copy.csv", [row("S1"), row("S1", result="VOID", result_at=later)], trailer=2
    )
    again = ingest_file(copy)
    assert (again.accepted_count, again.correction_count, again.duplicate_count) == (0, 0, 2)
    assert TestResultRevision.objects.count() == 1
    assert TestResult.objects.get(specimen_id="S1").result == "void"


def test_repeats_inside_one_file_are_duplicates_or_corrections(
    world: World, tmp_path: Path
) -> None:
    rows = [row("S1"), row("S1"), row("S1", result="VOID")]
    batch = ingest_file(write_csv(tmp_path / "feed.csv", rows))
    assert (batch.accepted_count, batch.correction_count, batch.duplicate_count) == (2, 1, 1)
    assert TestResult.objects.get(specimen_id="S1").result == "void"


def test_a_declared_count_that_disagrees_is_shown(world: World, tmp_path: Path) -> None:
    batch = ingest_file(write_csv(tmp_path / "feed.csv", people(5), trailer=7))
    assert batch.declared_count == 7 and batch.read_count == 5
    assert batch.matches_declared is False and not batch.reconciles
    good = ingest_file(write_csv(tmp_path / "good.csv", people(5, prefix="T"), trailer=5))
    assert good.reconciles


def test_a_batch_stopped_part_way_resumes_without_duplicates(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_csv(tmp_path / "feed.csv", people(25))
    # the process dies in the third chunk: nothing of that chunk is kept
    _failing(monkeypatch, "store_chunk", 3, KeyboardInterrupt())
    with pytest.raises(KeyboardInterrupt):
        ingest_file(path, chunk_size=4)
    stopped = IngestBatch.objects.get()
    assert stopped.status == BatchStatus.RUNNING and stopped.resume_after == 8
    assert TestResult.objects.filter(batch=stopped).count() == 8
    monkeypatch.undo()
    resumed = ingest_file(path, chunk_size=4)
    assert resumed.pk == stopped.pk and resumed.reconciles
    assert (resumed.read_count, resumed.accepted_count, resumed.duplicate_count) == (25, 25, 0)
    assert TestResult.objects.filter(batch=stopped).count() == 25
    # one Person per positive result (every fifth), none twice
    assert Person.objects.filter(first_name__startswith="Person").count() == 5


def test_an_unexpected_error_marks_the_batch_incomplete_and_it_resumes(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_csv(tmp_path / "feed.csv", people(10))
    _failing(monkeypatch, "store_chunk", 2, RuntimeError("disk full"))
    with pytest.raises(RuntimeError):
        ingest_file(path, chunk_size=4)
    stopped = IngestBatch.objects.get()
    assert stopped.status == BatchStatus.INCOMPLETE and not stopped.reconciles
    assert stopped.stopped_reason == "Stopped after record 4: RuntimeError: disk full"
    resumed = ingest_file(path, chunk_size=4)
    assert resumed.pk == stopped.pk and resumed.reconciles and resumed.accepted_count == 10
    assert resumed.stopped_reason == ""


def test_a_rejected_record_can_be_corrected_and_resubmitted(world: World, tmp_path: Path) -> None:
    batch = ingest_file(write_csv(tmp_path / "feed.csv", [row("S1"), row("S2", result="MAYBE")]))
    rejection = batch.rejections.get()
    with pytest.raises(ValidationError) as still_bad:
        resubmit_rejection(
            rejection, {**rejection.fields, "result": "PERHAPS"}, actor=None, source="tests"
        )
    assert "result" in still_bad.value.message_dict
    resubmit_rejection(
        rejection, {**rejection.fields, "result": "POSITIVE"}, actor=None, source="tests"
    )
    batch.refresh_from_db()
    rejection.refresh_from_db()
    assert rejection.status == "resubmitted" and rejection.resolved_result is not None
    assert (batch.read_count, batch.accepted_count, batch.rejected_count) == (2, 2, 0)
    assert batch.reconciles and batch.positive_count == 1


def _failing(
    monkeypatch: pytest.MonkeyPatch,
    name: str,
    call: int,
    failure: BaseException | Callable[[], object],
) -> dict[str, int]:
    """Patch ``pipeline.<name>`` so that its ``call``-th call raises ``failure`` (or runs
    it) instead; return the count of this process's calls (``monkeypatch.undo()`` ends it)."""
    real = getattr(pipeline, name)
    calls = {"n": 0}

    def patched(*args: object, **kwargs: object) -> object:
        calls["n"] += 1
        if calls["n"] == call:
            if isinstance(failure, BaseException):
                raise failure
            failure()
        return real(*args, **kwargs)

    monkeypatch.setattr(pipeline, name, patched)
    return calls


@pytest.fixture(params=["in this process", "in a reader process"])
def reader(request: pytest.FixtureRequest, settings: Any) -> bool:
    """Read and check the feed in this process, or in a forked reader (``readahead``)."""
    settings.INGEST_READER_PROCESS_BYTES = 0 if request.param == "in a reader process" else -1
    return bool(settings.INGEST_READER_PROCESS_BYTES == 0)


def test_a_feed_error_in_the_read_ahead_stops_after_the_chunks_before_it(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, reader: bool
) -> None:
    """A feed error while reading or checking a chunk stops the batch after its last whole
    chunk, and the file resumes from it."""
    path = write_csv(tmp_path / "feed.csv", people(25))
    _failing(monkeypatch, "check_chunk", 3, FeedError("the file ends inside a quoted field"))
    stopped = ingest_file(path, chunk_size=4)
    assert stopped.status == BatchStatus.INCOMPLETE and stopped.resume_after == 8
    assert stopped.stopped_reason == ("Stopped after record 8: the file ends inside a quoted field")
    assert TestResult.objects.filter(batch=stopped).count() == 8
    monkeypatch.undo()
    resumed = ingest_file(path, chunk_size=4)
    assert resumed.pk == stopped.pk and resumed.reconciles and resumed.accepted_count == 25


def test_a_reader_process_reads_the_feed_and_the_batch_is_the_same(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, reader: bool
) -> None:
    """Large files are read and checked in a forked process; what is stored, counted and
    warned about is the same either way, and the reading happens where it should."""
    rows = [*people(22), row("S00023", first_name="Zoë"), row("BAD", result="MAYBE")]
    rows.append(row("S00003", result="VOID", result_at="2020-10-03T06:00:00"))  # a correction
    rows.append(row("LONG" * 30))
    path = write_csv(tmp_path / "feed.csv", rows, trailer=26, encoding="cp1252")
    readers = tmp_path / "readers"
    real = pipeline.check_chunk

    def noting_the_process(*args: object, **kwargs: object) -> object:
        with readers.open("a") as handle:
            handle.write(f"{os.getpid()}\n")
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr("tracedesk.ingest.pipeline.check_chunk", noting_the_process)
    batch = ingest_file(path, chunk_size=5)
    where = set(map(int, readers.read_text().split()))
    assert where == ({os.getpid()} if not reader else where - {os.getpid()}) and len(where) == 1
    assert batch.status == BatchStatus.COMPLETE and batch.reconciles
    assert (batch.read_count, batch.accepted_count, batch.rejected_count) == (26, 24, 2)
    assert batch.duplicate_count == 0 and batch.correction_count == 1
    assert batch.positive_count == 4
    assert batch.declared_count == 26 and batch.matches_declared  # the TRAILER row, read there
    assert batch.warnings == [  # the record's, the feed's while reading, the file's on opening
        "result_at '2020-10-03T06:00:00' has no UTC offset; taken as UTC",
        "some date-times have no UTC offset; they were taken as UTC",
        "the file is not valid UTF-8; it was read as Windows-1252",
    ]
    assert {(r.number, r.field) for r in batch.rejections.all()} == {
        (25, "result"),
        (27, "specimen_id"),
    }
    assert TestResult.objects.get(specimen_id="S00003").result == "void"
    assert TestResult.objects.get(specimen_id="S00023").person is None  # a negative: no Person
    assert Person.objects.filter(first_name__startswith="Person").count() == 4


def test_a_reader_process_that_dies_stops_the_batch_and_it_resumes(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    """The reader killed part-way (out of memory, say): the batch stops after its last
    whole chunk, says why, and the same file resumes from there."""
    settings.INGEST_READER_PROCESS_BYTES = 0
    path = write_csv(tmp_path / "feed.csv", people(25))
    # counted in the reader process, which has its own copy of the count
    calls = _failing(monkeypatch, "check_chunk", 3, lambda: os._exit(9))
    with pytest.raises(RuntimeError, match="ended without finishing"):
        ingest_file(path, chunk_size=4)
    stopped = IngestBatch.objects.get()
    assert stopped.status == BatchStatus.INCOMPLETE and stopped.resume_after == 8
    assert stopped.stopped_reason == (
        "Stopped after record 8: RuntimeError: the process reading feed.csv ended without"
        " finishing (exit code 9)"
    )
    assert calls["n"] == 0  # this process never checked a chunk itself
    monkeypatch.undo()
    resumed = ingest_file(path, chunk_size=4)
    assert resumed.pk == stopped.pk and resumed.reconciles and resumed.accepted_count == 25


def test_a_reader_process_only_for_large_files_from_the_main_thread(tmp_path: Path) -> None:
    """A web upload is ingested in a thread of the server: it never forks a reader."""
    feed = CsvFeed(write_csv(tmp_path / "feed.csv", people(3)))
    size = feed.path.stat().st_size
    assert readahead.wanted(feed, size) and not readahead.wanted(feed, size + 1)
    assert not readahead.wanted(feed, -1)  # TRACEDESK_INGEST_READER_PROCESS_BYTES=-1: never
    from_a_thread: list[bool] = []
    thread = threading.Thread(target=lambda: from_a_thread.append(readahead.wanted(feed, 0)))
    thread.start()
    thread.join()
    assert from_a_thread == [False]
