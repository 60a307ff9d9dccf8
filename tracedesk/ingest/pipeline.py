"""Ingest a laboratory feed: stream it, validate each record, store it chunk by chunk.

Each chunk is one transaction that also advances the batch's counters and its
resume point, so a process killed at any moment leaves the database as it was
after some whole chunk, and ingesting the same file again continues from there:
the result is the same as one uninterrupted run.
"""

from __future__ import annotations

import gc
import hashlib
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone

from tracedesk.accounts.models import signed_in
from tracedesk.geography.models import Jurisdiction
from tracedesk.ingest import readahead
from tracedesk.ingest.actions import PreparedChunk, prepare_chunk, store_chunk
from tracedesk.ingest.fastcsv import FastCsvFeed, check_chunk
from tracedesk.ingest.models import BatchStatus, Channel, IngestBatch, LabMapping
from tracedesk.lib.labfeeds import Feed, FeedError, SourceRecord, detect_format, open_feed

CHUNK_SIZE = 5000
SOURCE = "ingest"

Progress = Callable[[IngestBatch], None]


def file_digest(path: Path) -> tuple[str, int]:
    """Return the SHA-256 and size of a file, reading it in blocks."""
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
            size += len(block)
    return digest.hexdigest(), size


def save_upload(chunks: Iterable[bytes]) -> Path:
    """Write an uploaded file to the data directory, block by block; the caller deletes it."""
    uploads = Path(settings.DATA_DIR) / "uploads"
    uploads.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=uploads, delete=False, suffix=".upload") as handle:
        for block in chunks:
            handle.write(block)
    return Path(handle.name)


def run_upload(run: Callable[..., object], batch: Any, path: Path, user: Any) -> None:
    """Run ``run(batch, path, actor=user)`` over a saved upload (``save_upload``), then delete
    the file: in a thread of its own when ``INGEST_UPLOADS_IN_BACKGROUND`` (the page polls the
    batch's progress), otherwise now. Lab feeds and check-in imports both upload this way."""
    if not settings.INGEST_UPLOADS_IN_BACKGROUND:
        try:
            run(batch, path, actor=user)
        finally:
            path.unlink(missing_ok=True)
        return

    def in_background(model: Any, batch_id: int, user_id: int) -> None:
        try:  # this thread's own connection: fetch afresh, close it afterwards
            actor = get_user_model().objects.get(pk=user_id)
            run(model.objects.get(pk=batch_id), path, actor=actor)
        finally:
            path.unlink(missing_ok=True)
            connection.close()

    args = (type(batch), batch.pk, user.pk)
    threading.Thread(target=in_background, args=args, daemon=True).start()


def unplaced_jurisdiction() -> Jurisdiction:
    """Where a person whose postcode places them nowhere belongs: the top of the geography.

    Only users scoped to the whole nation see them until someone places them;
    they are never dropped.
    """
    root = Jurisdiction.objects.filter(parent__isnull=True).order_by("path").first()
    if root is None:
        raise FeedError("No geography is loaded: load jurisdictions before laboratory results.")
    return root


def _earlier(sha256: str) -> IngestBatch | None:
    """Return the batch that already holds this exact file: complete, or to be resumed."""
    return IngestBatch.objects.filter(source_sha256=sha256).order_by("-received_at").first()


def prepare_batch(
    path: Path,
    *,
    actor: object = None,
    channel: str = Channel.CLI,
    format: str | None = None,
    lab: str | None = None,
    name: str | None = None,
) -> IngestBatch:
    """Return the batch that will ingest ``path``.

    The same bytes again find their earlier batch: an unfinished one resumes where it
    stopped, a complete one is returned as it is (``already_ingested``) and nothing is
    written — so re-sending a file, or re-running an ingest killed just after it
    finished, changes nothing at all. Any other file gets a new batch.
    """
    sha256, size = file_digest(path)
    batch = _earlier(sha256)
    if batch is not None:
        batch.already_ingested = batch.status == BatchStatus.COMPLETE
        return batch
    return IngestBatch.objects.create(
        source_name=name or path.name,
        source_sha256=sha256,
        source_size=size,
        format=format or detect_format(path),
        channel=channel,
        lab_mapping=LabMapping.objects.get(lab_code=lab) if lab else None,
        created_by=signed_in(actor),
    )


def run_batch(
    batch: IngestBatch,
    path: Path,
    *,
    actor: object = None,
    chunk_size: int = CHUNK_SIZE,
    progress: Progress | None = None,
) -> IngestBatch:
    """Ingest the file of a prepared batch from its resume point to the end."""
    if batch.already_ingested:
        return batch
    if batch.status != BatchStatus.RUNNING:
        batch.status = BatchStatus.RUNNING
        batch.save(update_fields=["status"])
    columns = batch.lab_mapping.columns if batch.lab_mapping else None
    try:
        feed: Feed
        if batch.format == "csv":  # clean rows are checked a chunk at a time (fastcsv.py)
            feed = FastCsvFeed(path, mapping=columns, skip=batch.resume_after)
        else:
            feed = open_feed(path, format=batch.format, mapping=columns, skip=batch.resume_after)
        _run(batch, feed, chunk_size=chunk_size, actor=actor, progress=progress)
    except (FeedError, OSError, UnicodeError) as exc:
        _stopped(batch, str(exc))
        return batch
    except Exception as exc:
        # Anything unexpected (a database error, a bug) is shown on the batch and raised;
        # the chunk in progress was rolled back, so the batch resumes from its last one.
        _stopped(batch, f"{type(exc).__name__}: {exc}")
        raise
    batch.declared_count = feed.declared_count
    batch.warnings = sorted({*batch.warnings, *feed.warnings})
    batch.status = BatchStatus.COMPLETE
    batch.stopped_reason = ""
    batch.finished_at = timezone.now()
    batch.save()
    return batch


def _stopped(batch: IngestBatch, reason: str) -> None:
    batch.refresh_from_db()
    batch.status = BatchStatus.INCOMPLETE
    batch.stopped_reason = f"Stopped after record {batch.resume_after}: {reason}"
    batch.save(update_fields=["status", "stopped_reason"])


def ingest_file(
    path: Path,
    *,
    actor: object = None,
    channel: str = Channel.CLI,
    format: str | None = None,
    lab: str | None = None,
    name: str | None = None,
    chunk_size: int = CHUNK_SIZE,
    progress: Progress | None = None,
) -> IngestBatch:
    """Ingest one file and return its batch; an unfinished batch of the same file resumes."""
    batch = prepare_batch(path, actor=actor, channel=channel, format=format, lab=lab, name=name)
    return run_batch(batch, path, actor=actor, chunk_size=chunk_size, progress=progress)


def _run(
    batch: IngestBatch,
    records: Iterable[SourceRecord],
    *,
    chunk_size: int,
    actor: object,
    progress: Progress | None,
) -> None:
    fallback = unplaced_jurisdiction()
    chunks = checked_chunks(records, consumed=batch.resume_after, chunk_size=chunk_size)
    reading: AbstractContextManager[Iterator[tuple[int, PreparedChunk]]] = nullcontext(chunks)
    if isinstance(records, Feed) and readahead.wanted(
        records, settings.INGEST_READER_PROCESS_BYTES
    ):
        reading = readahead.reader_process(chunks, records)
    with reading as checked, _collected_by_chunk():
        for consumed, chunk in checked:
            store_chunk(
                batch, chunk, consumed=consumed, fallback_jurisdiction=fallback, actor=actor,
                source=SOURCE,
            )  # fmt: skip
            _chunk_done()
            if progress:
                progress(batch)


def checked_chunks(
    records: Iterable[SourceRecord], *, consumed: int, chunk_size: int
) -> Iterator[tuple[int, PreparedChunk]]:
    """Read, check and prepare ``records`` a chunk at a time: yield (records consumed so
    far, the prepared chunk). Lazy, and no database: a reader process can run it
    (``readahead``)."""
    fast = records if isinstance(records, FastCsvFeed) else None
    chunk: list[SourceRecord] = []
    for record in records:
        chunk.append(record)
        consumed += 1
        if len(chunk) >= chunk_size:
            yield consumed, prepare_chunk(check_chunk(chunk, fast))
            chunk = []
    if chunk:
        yield consumed, prepare_chunk(check_chunk(chunk, fast))


@contextmanager
def _collected_by_chunk() -> Iterator[None]:
    """Keep the garbage collector to the objects of the current chunk, once a chunk.

    A chunk creates some hundred thousand objects; each time enough of them survive a
    young collection, Python scans every object of the process (Django, the models, the
    matching caches), which cost a third of the ingest's CPU. Objects that exist when
    the feed starts, and those that survive a chunk, are frozen (``gc.freeze``: never
    scanned), after a collection of the chunk's own garbage so that nothing is kept
    that should have been freed; everything is unfrozen when the feed ends. Between
    two chunks the collector does not run at all (3,000 young collections in 300,000
    rows cost 5% of the ingest): a chunk's cycles wait for its end, no longer.
    """
    enabled = gc.isenabled()
    gc.freeze()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
        gc.unfreeze()


def _chunk_done() -> None:
    gc.collect()  # the chunk's cycles (frozen objects are not scanned)
    gc.freeze()


def ingest_records(
    records: list[SourceRecord],
    *,
    name: str,
    actor: object,
    channel: str,
) -> IngestBatch:
    """Ingest records that arrived without a file (one result posted to the API)."""
    digest = hashlib.sha256("\n".join(r.raw for r in records).encode()).hexdigest()
    earlier = _earlier(digest)
    if earlier is not None and earlier.status == BatchStatus.COMPLETE:
        earlier.already_ingested = True  # the same message again: nothing is written
        return earlier
    with transaction.atomic():
        batch = IngestBatch.objects.create(
            source_name=name,
            source_sha256=digest,
            source_size=sum(len(r.raw) for r in records),
            format="json",
            channel=channel,
            created_by=signed_in(actor),
        )
        _run(batch, records, chunk_size=CHUNK_SIZE, actor=actor, progress=None)
        batch.status = BatchStatus.COMPLETE
        batch.finished_at = timezone.now()
        batch.save()
    return batch
