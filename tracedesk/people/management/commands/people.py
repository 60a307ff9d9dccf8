"""``tracedesk people dedupe FILE.csv --out clusters.csv``: batch deduplication of a CSV.

The work is done by ``tracedesk.lib.dedupe`` (Splink on DuckDB), which has its own
argument parser; this command hands it the arguments unchanged.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from tracedesk.lib.dedupe.cli import main


class Command(BaseCommand):
    help = (
        "Batch tools for people records: `dedupe FILE.csv --out clusters.csv` "
        "[--map src=field,...] [--id-column COL] [--threshold P] [--parameters-out FILE]; "
        "`dedupe --db [--threshold P]` queues the database's probable duplicates for review"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("args", nargs=argparse.REMAINDER, help="dedupe FILE.csv --out ...")

    def run_from_argv(self, argv: list[str]) -> None:
        # argv: [program, "people", subcommand, ...]; exit with the tool's own status.
        sys.exit(self.run(argv[2:]))

    def handle(self, *args: Any, **options: Any) -> None:  # call_command("people", ...)
        code = self.run([str(a) for a in args])
        if code:
            sys.exit(code)

    def run(self, args: list[str]) -> int:
        if args[:1] == ["dedupe"] and "--db" in args:
            return self.dedupe_database(args[1:])
        return main(args)

    def dedupe_database(self, args: list[str]) -> int:
        """``dedupe --db``: the people in the database, clusters queued for review."""
        from tracedesk.linkage.actions import dedupe_database  # Splink loads only when asked

        parser = argparse.ArgumentParser(prog="tracedesk people dedupe --db")
        parser.add_argument("--db", action="store_true", required=True)
        parser.add_argument("--threshold", type=float, default=0.9)
        parser.add_argument("--seed", type=int, default=1)
        options = parser.parse_args(args)
        found = dedupe_database(
            threshold=options.threshold, seed=options.seed, actor=None, source="people dedupe"
        )
        self.stdout.write(
            f"people: {found.people}\nclusters: {found.clusters}\n"
            f"people in multi-person clusters: {found.people_in_clusters}\n"
            f"reviews queued: {found.queued}\nalready queued or decided: {found.already_queued}\n"
            f"held back (the online scorer says different people): {found.held_back}"
        )
        return 0
