"""Cases at settings, made through the application's own actions."""

from __future__ import annotations

import datetime as dt
import itertools

from tracedesk.cases.models import Case
from tracedesk.geography.models import Jurisdiction
from tracedesk.ingest.actions import LabResult, record_test_result
from tracedesk.lib.identifiers import nhs_check_digit
from tracedesk.people.details import PersonDetails
from tracedesk.places.actions import record_case_attendance
from tracedesk.places.models import AttendanceSource, Setting

_serial = itertools.count(1)
NAMES = ["Amira", "Bethan", "Callum", "Dylan", "Efua", "Farah", "Gwen", "Hamza", "Isla", "Jonah"]


def _nhs(n: int) -> str:
    for base in itertools.count(943_000_000 + n * 13):
        digit = nhs_check_digit(str(base))
        if digit is not None:
            return f"{base}{digit}"
    raise AssertionError


def make_case(
    jurisdiction: Jurisdiction,
    *,
    specimen_on: dt.date,
    house: int,
    postcode: str = "LS6 3AB",
    onset_on: dt.date | None = None,
    phone: str = "07700900111",
) -> Case:
    """A case living at house number ``house`` (same house: same household)."""
    n = next(_serial)
    at = dt.datetime.combine(specimen_on, dt.time(9), tzinfo=dt.UTC)
    result, _ = record_test_result(
        LabResult(
            lab_code="LAB-CLUSTER",
            specimen_id=f"CL-{n}",
            test_code="94500-6",
            test_name="SARS-CoV-2 RNA",
            result="positive",
            specimen_collected_at=at,
            result_at=at + dt.timedelta(hours=12),
        ),
        PersonDetails(
            first_name=NAMES[n % len(NAMES)],
            last_name=f"Clusterperson{n}",
            date_of_birth=dt.date(1970, 1, 1) + dt.timedelta(days=n * 97),
            nhs_number=_nhs(n),
            phone=phone,
            address_line1=f"{house} Cluster Road",
            town="Leeds",
            postcode=postcode,
        ),
        fallback_jurisdiction=jurisdiction,
        received_at=at + dt.timedelta(hours=12),
        actor=None,
        source="tests",
    )
    assert result.case is not None
    case = result.case
    if onset_on:
        Case.objects.filter(pk=case.pk).update(onset_date=onset_on)
        case.refresh_from_db()
    return case


def attend(case: Case, setting: Setting, day: dt.date) -> None:
    record_case_attendance(
        case, setting, day, source_kind=AttendanceSource.INTERVIEW, actor=None, source="tests"
    )


def gym_cluster(jurisdiction: Jurisdiction, *, postcode: str = "LS6 3AB", ref: str = "GYM-T"):
    """A setting with two cases of two households exposed there: one proposed cluster."""
    from django.utils import timezone

    from tracedesk.clusters.detection import detect
    from tracedesk.clusters.models import Cluster
    from tracedesk.places.actions import register_setting

    setting, _ = register_setting(
        name=f"Gym {ref}", setting_type="gym", jurisdiction=jurisdiction, external_ref=ref,
        actor=None, source="tests",
    )  # fmt: skip
    specimen = timezone.now().date() - dt.timedelta(days=1)
    for house in (1, 2):
        case = make_case(jurisdiction, specimen_on=specimen, house=house, postcode=postcode)
        attend(case, setting, specimen - dt.timedelta(days=5))
    detect()
    return Cluster.objects.get(setting=setting)
