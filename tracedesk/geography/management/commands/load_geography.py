"""tracedesk load_geography FILE: load jurisdictions and their postcode districts."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from tracedesk.geography.actions import upsert_jurisdiction

COLUMNS = ("code", "name", "level", "parent_code", "postcode_districts")


class Command(BaseCommand):
    help = (
        "Load a CSV of jurisdictions (columns: code,name,level,parent_code,postcode_districts;"
        " parents before children; districts space-separated). Safe to run again."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
            if missing:
                raise CommandError(f"{path}: missing columns {', '.join(missing)}")
            created = updated = 0
            for row in reader:
                try:
                    _, new = upsert_jurisdiction(
                        code=row["code"],
                        name=row["name"],
                        level=row["level"],
                        parent_code=row["parent_code"],
                        postcode_districts=row["postcode_districts"].split(),
                        actor=None,
                        source="load_geography",
                    )
                except (ValidationError, ObjectDoesNotExist) as exc:
                    raise CommandError(f"{path} line {reader.line_num}: {exc}") from None
                created, updated = created + new, updated + (not new)
        self.stdout.write(f"{path.name}: {created} jurisdictions created, {updated} updated")
