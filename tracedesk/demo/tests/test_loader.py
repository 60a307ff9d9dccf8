"""Loading a generated outbreak: every file reconciles; nothing is lost or doubled."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from tracedesk.cases.models import Case, Contact
from tracedesk.demo.loader import OutbreakLoader
from tracedesk.ingest.models import TestResult
from tracedesk.lib.synth import SynthConfig, generate
from tracedesk.people.models import Person
from tracedesk.places.models import Attendance, Setting
from tracedesk.tracing.models import TaskKind, TracingTask


@pytest.fixture(scope="session")
def outbreak(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("outbreak")
    generate(SynthConfig(people=3000, days=45, seed=7), directory)
    return directory


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _copy(outbreak: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "copy"
    shutil.copytree(outbreak, copy)
    return copy


@pytest.mark.django_db
def test_everything_loads_and_reconciles(outbreak: Path) -> None:
    report = OutbreakLoader(outbreak).load()
    assert report.reconciles, [f.summary() for f in report.files]
    by_name = {f.name: f for f in report.files}
    labs = _rows(outbreak / "lab_results.csv")
    assert by_name["lab_results.csv"].read == len(labs) > 0
    assert by_name["lab_results.csv"].rejected == []
    assert TestResult.objects.count() == len(labs)
    positives = [row for row in labs if row["result"] == "POSITIVE"]
    assert TestResult.objects.filter(result="positive").count() == len(positives)
    assert 0 < Case.objects.count() <= len(positives)
    assert TracingTask.objects.filter(kind=TaskKind.REACH_CASE).count() == Case.objects.count()
    contacts = by_name["reported_contacts.csv"]
    assert contacts.read == len(_rows(outbreak / "reported_contacts.csv")) > 0
    # A contact named twice by the same case (e.g. once with a typo-free name) is one Contact.
    assert Contact.objects.count() == contacts.loaded
    # The generator's deliberate errors (impossible dates of birth, bad phones) are
    # dropped value by value, with a warning naming the line, never by losing the row.
    assert contacts.rejected == []
    assert contacts.warnings and all(line > 1 and text for line, text in contacts.warnings)
    assert Setting.objects.count() == by_name["settings.csv"].loaded
    assert Attendance.objects.count() == by_name["reported_attendances.csv"].loaded
    # Everyone was placed in a local authority of the generated geography.
    assert not Person.objects.exclude(jurisdiction__level="local_authority").exists()


@pytest.mark.django_db
def test_loading_twice_adds_nothing(outbreak: Path) -> None:
    OutbreakLoader(outbreak).load()
    counts = [m.objects.count() for m in (Person, TestResult, Case, Contact, TracingTask)]
    again = OutbreakLoader(outbreak).load()
    assert again.reconciles
    assert all(f.loaded == 0 for f in again.files if f.name != "geography.csv")
    assert [m.objects.count() for m in (Person, TestResult, Case, Contact, TracingTask)] == counts


@pytest.mark.django_db
def test_a_bad_row_is_rejected_with_line_and_field_and_the_rest_loads(
    outbreak: Path, tmp_path: Path
) -> None:
    copy = _copy(outbreak, tmp_path)
    path = copy / "lab_results.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    header = next(csv.reader([lines[0]]))
    row = next(csv.reader([lines[3]]))
    row[header.index("result_at")] = "yesterday"
    lines[3] = ",".join(f'"{value}"' for value in row) + "\n"
    path.write_text("".join(lines), encoding="utf-8")
    report = OutbreakLoader(copy).load()
    labs = next(f for f in report.files if f.name == "lab_results.csv")
    assert labs.reconciles
    assert [(r.line, r.field) for r in labs.rejected] == [(4, "result_at")]
    assert "yesterday" in labs.rejected[0].reason
    assert TestResult.objects.count() == labs.read - 1


@pytest.mark.django_db
def test_a_truncated_file_is_caught_by_the_manifest(outbreak: Path, tmp_path: Path) -> None:
    copy = _copy(outbreak, tmp_path)
    path = copy / "lab_results.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(lines[:-5]), encoding="utf-8")  # five rows lost in transit
    report = OutbreakLoader(copy).load()
    labs = next(f for f in report.files if f.name == "lab_results.csv")
    assert not labs.reconciles and not report.reconciles
    assert "DOES NOT RECONCILE" in labs.summary()
    with pytest.raises(CommandError, match="does not reconcile"):
        call_command("load_outbreak", str(copy))


def test_the_manifest_declares_every_file(outbreak: Path) -> None:
    manifest = json.loads((outbreak / "manifest.json").read_text())
    assert {"lab_results.csv", "reported_contacts.csv", "settings.csv"} <= set(manifest["files"])
    assert all(isinstance(entry["rows"], int) for entry in manifest["files"].values())
