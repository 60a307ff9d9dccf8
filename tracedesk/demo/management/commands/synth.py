"""tracedesk synth: write a synthetic outbreak to a directory."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from tracedesk.lib.synth import generate
from tracedesk.lib.synth.cli import add_arguments, config_from_options


class Command(BaseCommand):
    help = "Generate a synthetic outbreak (population, lab feed, reported contacts, truth)."

    def add_arguments(self, parser: CommandParser) -> None:
        add_arguments(parser)  # --people --days --seed --start --test-uptake --r-target --out

    def handle(self, *args: Any, **options: Any) -> None:
        config = config_from_options(options)
        manifest = generate(config, Path(options["out"]))
        rows = {name: entry["rows"] for name, entry in manifest["files"].items()}
        self.stdout.write(json.dumps({"rows": rows, "summary": manifest["summary"]}, indent=2))
        self.stdout.write(self.style.SUCCESS(f"Outbreak written to {options['out']}"))
