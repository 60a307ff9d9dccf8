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
        "[--map src=field,...] [--id-column COL] [--threshold P] [--parameters-out FILE]"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("args", nargs=argparse.REMAINDER, help="dedupe FILE.csv --out ...")

    def run_from_argv(self, argv: list[str]) -> None:
        # argv: [program, "people", subcommand, ...]; exit with the tool's own status.
        sys.exit(main(argv[2:]))

    def handle(self, *args: Any, **options: Any) -> None:  # call_command("people", ...)
        code = main([str(a) for a in args])
        if code:
            sys.exit(code)
