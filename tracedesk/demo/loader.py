"""Load a generated outbreak (``tracedesk synth``'s files) through the application's actions.

Every file is reconciled: rows read = loaded + already present + rejected, and the
rows read must equal the count the generator declared in ``manifest.json``.
Each rejected row is kept with its line number, field and reason. Loading the
same directory twice adds nothing (every action is idempotent on its natural key).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ObjectDoesNotExist, ValidationError

from tracedesk.cases.actions import Exposure, add_contact
from tracedesk.geography.actions import upsert_jurisdiction
from tracedesk.geography.models import Jurisdiction, Level
from tracedesk.ingest.actions import LabResult, record_test_result
from tracedesk.ingest.models import TestResult
from tracedesk.people.actions import jurisdiction_for_postcode
from tracedesk.people.details import PersonDetails, parse_person
from tracedesk.places.actions import record_case_attendance, register_setting
from tracedesk.places.models import AttendanceSource, Setting

SOURCE = "load_outbreak"


@dataclass
class Rejection:
    line: int
    field: str
    reason: str


@dataclass
class FileReport:
    name: str
    declared: int | None = None
    read: int = 0
    loaded: int = 0
    already_present: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    warnings: list[tuple[int, str]] = field(default_factory=list)

    @property
    def reconciles(self) -> bool:
        balanced = self.read == self.loaded + self.already_present + len(self.rejected)
        return balanced and (self.declared is None or self.declared == self.read)

    def summary(self) -> str:
        declared = "" if self.declared is None else f" (manifest says {self.declared})"
        verdict = "reconciled" if self.reconciles else "DOES NOT RECONCILE"
        return (
            f"{self.name}: read {self.read}{declared} = loaded {self.loaded}"
            f" + already present {self.already_present} + rejected {len(self.rejected)}"
            f" — {verdict}"
            + (f"; {len(self.warnings)} values dropped with a warning" if self.warnings else "")
        )


@dataclass
class LoadReport:
    files: list[FileReport] = field(default_factory=list)

    @property
    def reconciles(self) -> bool:
        return all(report.reconciles for report in self.files)


def _rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        for row in reader:
            yield reader.line_num, row


def _datetime(text: str, field_name: str) -> dt.datetime:
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        raise ValidationError({field_name: f"{text!r} is not an ISO 8601 date-time"}) from None
    if value.tzinfo is None:
        raise ValidationError({field_name: f"{text!r} has no time zone"})
    return value


def _date(text: str, field_name: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValidationError({field_name: f"{text!r} is not a YYYY-MM-DD date"}) from None


def _load_file(
    report: FileReport, path: Path, load_row: Callable[[int, dict[str, str]], bool]
) -> None:
    for line, row in _rows(path):
        report.read += 1
        try:
            created = load_row(line, row)
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                report.rejected.append(Rejection(line, name, "; ".join(messages)))
                break
            continue
        if created:
            report.loaded += 1
        else:
            report.already_present += 1


class OutbreakLoader:
    """Reads one generated outbreak directory into the database."""

    def __init__(self, directory: Path, *, actor: object = None) -> None:
        self.directory = directory
        self.actor = actor
        manifest_path = directory / "manifest.json"
        self.manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
        self.default_jurisdiction: Jurisdiction | None = None
        self.settings_by_ref: dict[str, Setting] = {}
        self.current: FileReport | None = None

    def declared(self, name: str) -> int | None:
        """Return the row count the generator declared for a file, if it declared one."""
        declared = self.manifest.get("files", {}).get(name, {}).get("rows")
        return int(declared) if declared is not None else None

    def load(self, progress: Callable[[str], None] = lambda message: None) -> LoadReport:
        report = LoadReport()
        steps: list[tuple[str, Callable[[int, dict[str, str]], bool]]] = [
            ("geography.csv", self.load_jurisdiction),
            ("settings.csv", self.load_setting),
            ("lab_results.csv", self.load_lab_result),
            ("reported_contacts.csv", self.load_contact),
            ("reported_attendances.csv", self.load_attendance),
        ]
        for name, load_row in steps:
            path = self.directory / name
            if not path.exists():
                continue
            file_report = FileReport(name=name, declared=self.declared(name))
            self.current = file_report
            _load_file(file_report, path, load_row)
            report.files.append(file_report)
            progress(file_report.summary())
        return report

    def person(self, row: dict[str, str], line: int, record: str) -> PersonDetails:
        """Clean a row's person fields, keeping any dropped value's warning in the report."""
        details = parse_person(row, record=record)
        if self.current is not None:
            self.current.warnings.extend((line, warning) for warning in details.warnings)
        return details

    def load_jurisdiction(self, line: int, row: dict[str, str]) -> bool:
        _, created = upsert_jurisdiction(
            code=row["code"],
            name=row["name"],
            level=row["level"],
            parent_code=row.get("parent_code", ""),
            postcode_districts=row.get("postcode_districts", "").split(),
            actor=self.actor,
            source=SOURCE,
        )
        return created

    def fallback_jurisdiction(self) -> Jurisdiction:
        if self.default_jurisdiction is None:
            self.default_jurisdiction = (
                Jurisdiction.objects.filter(level=Level.LOCAL_AUTHORITY).order_by("path").first()
            )
        if self.default_jurisdiction is None:
            raise ValidationError({"la_code": "no local authority loaded: load geography.csv"})
        return self.default_jurisdiction

    def load_setting(self, line: int, row: dict[str, str]) -> bool:
        jurisdiction = Jurisdiction.objects.filter(code=row.get("la_code", "")).first()
        if jurisdiction is None:
            raise ValidationError(
                {"la_code": f"line {line}: unknown la_code {row.get('la_code')!r}"}
            )
        setting, created = register_setting(
            name=row["name"],
            setting_type=row["setting_type"],
            jurisdiction=jurisdiction,
            address_line1=row.get("address_line1", ""),
            town=row.get("town", ""),
            postcode=row.get("postcode", ""),
            external_ref=row["setting_id"],
            actor=self.actor,
            source=SOURCE,
        )
        self.settings_by_ref[row["setting_id"]] = setting
        return created

    def load_lab_result(self, line: int, row: dict[str, str]) -> bool:
        record = f"lab_results.csv line {line}"
        patient = self.person(row, line, record)
        collected = _datetime(row.get("specimen_collected_at", ""), "specimen_collected_at")
        result_at = _datetime(row.get("result_at", ""), "result_at")
        result = row.get("result", "").strip().lower()
        if result not in {"positive", "negative", "void"}:
            raise ValidationError({"result": f"{record}: result {row.get('result')!r} unknown"})
        _, created = record_test_result(
            LabResult(
                lab_code=row["lab_code"],
                specimen_id=row["specimen_id"],
                test_code=row["test_code"],
                test_name=row.get("test_name", ""),
                result=result,
                specimen_collected_at=collected,
                result_at=result_at,
            ),
            patient,
            fallback_jurisdiction=jurisdiction_for_postcode(patient.postcode)
            or self.fallback_jurisdiction(),
            received_at=result_at,
            actor=self.actor,
            source=SOURCE,
        )
        return created

    def case_of_specimen(self, specimen_id: str, record: str):
        result = (
            TestResult.objects.select_related("case__person", "case__jurisdiction")
            .filter(specimen_id=specimen_id, case__isnull=False)
            .first()
        )
        if result is None or result.case is None:
            raise ValidationError(
                {"case_specimen_id": f"{record}: no case has specimen {specimen_id!r}"}
            )
        return result.case

    def load_contact(self, line: int, row: dict[str, str]) -> bool:
        record = f"reported_contacts.csv line {line}"
        case = self.case_of_specimen(row.get("case_specimen_id", ""), record)
        details = self.person(row, line, record)
        duration = row.get("duration_minutes", "").strip()
        _, created = add_contact(
            case,
            details,
            Exposure(
                contact_type=row["contact_type"],
                last_exposure_date=_date(row.get("last_exposure_date", ""), "last_exposure_date"),
                proximity=row.get("proximity") or "other",
                duration_minutes=int(duration) if duration.isdigit() else None,
            ),
            reported_at=_datetime(row.get("reported_at", ""), "reported_at"),
            source_ref=f"synth:{row['report_id']}",
            actor=self.actor,
            source=SOURCE,
        )
        return created

    def load_attendance(self, line: int, row: dict[str, str]) -> bool:
        record = f"reported_attendances.csv line {line}"
        case = self.case_of_specimen(row.get("case_specimen_id", ""), record)
        ref = row.get("setting_id", "")
        setting = self.settings_by_ref.get(ref)
        if setting is None:
            try:
                setting = Setting.objects.get(external_ref=ref)
            except ObjectDoesNotExist:
                raise ValidationError(
                    {"setting_id": f"{record}: unknown setting {ref!r}"}
                ) from None
            self.settings_by_ref[ref] = setting
        _, created = record_case_attendance(
            case,
            setting,
            _date(row.get("attended_on", ""), "attended_on"),
            source_kind=AttendanceSource.INTERVIEW,
            actor=self.actor,
            source=SOURCE,
        )
        return created
