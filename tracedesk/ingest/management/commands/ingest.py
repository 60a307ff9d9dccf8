"""tracedesk ingest FILE...: load laboratory results, reconciled, resumable."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tracedesk.ingest.models import Channel, IngestBatch
from tracedesk.ingest.pipeline import CHUNK_SIZE, ingest_file
from tracedesk.ingest.reporting import batch_lines, batch_summary
from tracedesk.lib.labfeeds import FeedError

FORMATS = ["csv", "fhir-ndjson", "fhir-bundle", "hl7"]


class Command(BaseCommand):
    help = (
        "Ingest laboratory result files (CSV, FHIR R4 Bundle or NDJSON, HL7 v2 ORU^R01)."
        " Prints each batch's reconciliation; exits non-zero if any does not reconcile."
    )
    # The system checks (URLs, every view and API module imported; configuration) take
    # half a second, which a lab's drop of files pays on every call; `migrate`, the web
    # server and `tracedesk check --deploy` run them where a deployment is set up.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", type=Path)
        parser.add_argument("--format", choices=FORMATS, help="Skip detection")
        parser.add_argument("--lab", help="Use this laboratory's CSV column mapping")
        parser.add_argument("--json", action="store_true", help="One JSON object per batch")
        parser.add_argument("--chunk-size", type=int, default=CHUNK_SIZE)
        parser.add_argument(
            "--rejections", type=int, default=20, help="How many rejected records to list"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        failed = []
        for path in options["files"]:
            if not path.is_file():
                raise CommandError(f"{path}: no such file")
            try:
                batch = ingest_file(
                    path,
                    channel=Channel.CLI,
                    format=options["format"],
                    lab=options["lab"],
                    chunk_size=options["chunk_size"],
                )
            except FeedError as exc:
                raise CommandError(f"{path}: {exc}") from None
            self.report(batch, options)
            if not batch.reconciles:
                failed.append(path.name)
        if failed:
            raise CommandError(f"Not reconciled: {', '.join(failed)}")

    def report(self, batch: IngestBatch, options: dict[str, Any]) -> None:
        if options["json"]:
            self.stdout.write(json.dumps(batch_summary(batch)))
            return
        for line in batch_lines(batch):
            self.stdout.write(line)
        for rejection in batch.rejections.order_by("number")[: options["rejections"]]:
            self.stdout.write(
                f"  rejected record {rejection.number} [{rejection.field}]: {rejection.reason}"
            )
