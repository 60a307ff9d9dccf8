"""The demo's check-ins and clusters: venue check-ins of the generated outbreak, tokens of
known people linked, and one detection run, so proposed clusters wait for the demo
health-protection users."""

from __future__ import annotations

import csv
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from tracedesk.cases.models import Contact
from tracedesk.clusters.detection import detect
from tracedesk.ingest.models import TestResult
from tracedesk.lib.synth.checkins import config_of, token_of, uses_app, write_checkins
from tracedesk.people.models import Person
from tracedesk.places.checkins import import_file, link_tokens

SOURCE = "demo"
APP_SHARE = 0.4
# Check-ins of the last days only: generating all 60 days would take most of the demo's minute.
DEMO_CHECKIN_DAYS = 30


def known_people(out_dir: Path) -> dict[int, int]:
    """Generated person slot -> Person id, for everyone the database knows (cases through
    their specimens, contacts through the report that named them)."""
    by_specimen: dict[str, int] = {}
    with (out_dir / "truth" / "lab_results.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            by_specimen[row["specimen_id"]] = int(row["person_id"])
    by_report: dict[str, int] = {}
    with (out_dir / "truth" / "reported_contacts.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            by_report[f"synth:{row['report_id']}"] = int(row["person_id"])
    out: dict[int, int] = {}
    for specimen, person in TestResult.objects.filter(person__isnull=False).values_list(
        "specimen_id", "person_id"
    ):
        if specimen in by_specimen:
            out[by_specimen[specimen]] = person
    for ref, person in Contact.objects.exclude(source_ref="").values_list(
        "source_ref", "person_id"
    ):
        if ref in by_report:
            out.setdefault(by_report[ref], person)
    survivors = dict(
        Person.objects.filter(pk__in=list(out.values()), merged_into__isnull=False).values_list(
            "pk", "merged_into_id"
        )
    )
    return {pid: survivors.get(person, person) for pid, person in out.items()}


def populate(
    *,
    seed: int,
    out_dir: Path | None = None,
    run_detection: bool = True,
    checkin_days: int = DEMO_CHECKIN_DAYS,
    app_share: float = APP_SHARE,
) -> str:
    """Import the outbreak's check-ins, link known people's tokens, detect clusters."""
    out = out_dir or Path(settings.DATA_DIR) / "demo-outbreak"
    config = config_of(out)
    write_checkins(out, app_share=app_share, first_day=max(config.days - checkin_days, 0))
    batch = import_file(out / "checkins.csv")
    pairs = [
        (token_of(config.seed, pid), person)
        for pid, person in sorted(known_people(out).items())
        if uses_app(config.seed, pid, app_share)
    ]
    linked = link_tokens(pairs, actor=None, source=SOURCE)
    if not run_detection:
        return f"Check-ins: {batch.accepted_count:,} imported, {linked:,} tokens linked."
    counts = detect(timezone.now())
    return (
        f"Check-ins: {batch.accepted_count:,} imported from {batch.new_token_count:,} app users,"
        f" {linked:,} linked to known people; {counts['clusters_proposed']} clusters proposed"
        f" from {counts['exposures_added']:,} exposures of {counts['cases_scanned']:,} cases."
    )
