"""tracedesk checkins FILE...: import venue check-ins, reconciled and resumable."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tracedesk.places.checkins import CHUNK_SIZE, batch_summary, import_file
from tracedesk.places.models import CheckInBatch


class Command(BaseCommand):
    help = (
        "Import venue check-in CSV files (venue_id, token, checked_in_at). Prints each"
        " batch's reconciliation; exits non-zero if any does not reconcile."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", type=Path)
        parser.add_argument("--json", action="store_true", help="One JSON object per batch")
        parser.add_argument("--chunk-size", type=int, default=CHUNK_SIZE)
        parser.add_argument(
            "--rejections", type=int, default=20, help="How many rejected rows to list"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        failed = []
        for path in options["files"]:
            if not path.is_file():
                raise CommandError(f"{path}: no such file")
            batch = import_file(path, chunk_size=options["chunk_size"])
            if options["json"]:
                self.stdout.write(json.dumps(batch_summary(batch)))
            else:
                self.report(batch, options["rejections"])
            if not batch.reconciles:
                failed.append(path.name)
        if failed:
            raise CommandError(f"Not reconciled: {', '.join(failed)}")

    def report(self, batch: CheckInBatch, limit: int) -> None:
        head = f"{batch.source_name}: batch {batch.pk}"
        if batch.already_imported:
            head += " (already imported: nothing written)"
        self.stdout.write(head)
        self.stdout.write(
            f"  read {batch.read_count:,} = accepted {batch.accepted_count:,}"
            f" + duplicates {batch.duplicate_count:,} + rejected {batch.rejected_count:,}"
            f"  ({'reconciles' if batch.reconciles else 'DOES NOT RECONCILE'});"
            f" new tokens {batch.new_token_count:,}"
        )
        if batch.stopped_reason:
            self.stdout.write(f"  {batch.stopped_reason}")
        for rejection in batch.rejections.order_by("line")[:limit]:
            self.stdout.write(
                f"  rejected line {rejection.line} [{rejection.field}]: {rejection.reason}"
            )
