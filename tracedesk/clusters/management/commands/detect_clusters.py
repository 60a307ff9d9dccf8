"""tracedesk detect_clusters: run common-exposure detection once and print what it did."""

from __future__ import annotations

import datetime as dt
import json
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from tracedesk.clusters.detection import detect


class Command(BaseCommand):
    help = (
        "Find cases of different households who attended the same setting within the"
        " exposure window and propose them as clusters (incremental: only what is new)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--now", help="Consider cases created up to this ISO 8601 time (default: now)"
        )
        parser.add_argument("--dry-run", action="store_true", help="Roll everything back")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        now = timezone.now()
        if options["now"]:
            try:
                now = dt.datetime.fromisoformat(options["now"])
            except ValueError:
                raise CommandError(f"--now: {options['now']!r} is not an ISO 8601 time") from None
            if now.tzinfo is None:
                now = now.replace(tzinfo=dt.UTC)
        started = time.perf_counter()
        counts = detect(now, dry_run=options["dry_run"])
        seconds = time.perf_counter() - started
        if options["json"]:
            self.stdout.write(json.dumps({**counts, "seconds": round(seconds, 3)}))
            return
        self.stdout.write(
            f"Scanned {counts['cases_scanned']:,} new cases, added"
            f" {counts['exposures_added']:,} exposures, examined"
            f" {counts['settings_examined']:,} settings: {counts['clusters_proposed']} clusters"
            f" proposed, {counts['clusters_grown']} grew, {counts['clusters_merged']} merged"
            f" ({seconds:.1f} s{'; dry run, nothing kept' if options['dry_run'] else ''})."
        )
