"""tracedesk load_outbreak: load a generated outbreak through the application's actions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tracedesk.demo.loader import OutbreakLoader


class Command(BaseCommand):
    help = "Load the files written by `tracedesk synth` into the database, reconciled."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", type=Path)
        parser.add_argument(
            "--show",
            type=int,
            default=10,
            help="How many rejected rows and warnings to print per file",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        directory: Path = options["directory"]
        if not directory.is_dir():
            raise CommandError(f"{directory} is not a directory")
        report = OutbreakLoader(directory).load(progress=self.stdout.write)
        for file_report in report.files:
            for rejection in file_report.rejected[: options["show"]]:
                self.stdout.write(
                    f"  rejected {file_report.name} line {rejection.line}"
                    f" [{rejection.field}]: {rejection.reason}"
                )
            for line, warning in file_report.warnings[: options["show"]]:
                self.stdout.write(f"  warning {file_report.name} line {line}: {warning}")
        if not report.reconciles:
            raise CommandError("The load does not reconcile; see the counts above.")
