"""A small world for tests: geography, personas, and records in two districts.

District A is Leeds (Yorkshire and The Humber), district B is Camden (London).
Every record is created through the same actions the application uses.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone

from tracedesk.accounts.models import Team, TracerProfile, User
from tracedesk.accounts.roles import Role
from tracedesk.cases.actions import Exposure, add_contact
from tracedesk.cases.models import Case, Contact
from tracedesk.geography.models import Jurisdiction, Level, PostcodeDistrict
from tracedesk.ingest.actions import LabResult, record_test_result
from tracedesk.people.details import PersonDetails
from tracedesk.people.models import Person
from tracedesk.places.actions import register_setting
from tracedesk.places.models import Setting
from tracedesk.tracing.models import TracingTask

PASSWORD = "correct-horse-battery-staple"

PERSONAS = (
    "tracer_a",
    "tracer_b",
    "supervisor_a",
    "health_protection",
    "analyst",
    "admin",
)


@dataclass
class District:
    jurisdiction: Jurisdiction
    person: Person
    case: Case
    contact: Contact
    setting: Setting
    case_task: TracingTask


@dataclass
class World:
    england: Jurisdiction
    leeds: Jurisdiction
    camden: Jurisdiction
    users: dict[str, User] = field(default_factory=dict)
    a: District | None = None
    b: District | None = None

    def district(self, name: str) -> District:
        found = self.a if name == "a" else self.b
        assert found is not None
        return found


def build_geography() -> tuple[Jurisdiction, Jurisdiction, Jurisdiction]:
    england = Jurisdiction.objects.create(code="E92000001", name="England", level=Level.NATION)
    yorkshire = Jurisdiction.objects.create(
        code="E12000003", name="Yorkshire and The Humber", level=Level.REGION, parent=england
    )
    london = Jurisdiction.objects.create(
        code="E12000007", name="London", level=Level.REGION, parent=england
    )
    leeds = Jurisdiction.objects.create(
        code="E08000035", name="Leeds", level=Level.LOCAL_AUTHORITY, parent=yorkshire
    )
    camden = Jurisdiction.objects.create(
        code="E09000007", name="Camden", level=Level.LOCAL_AUTHORITY, parent=london
    )
    PostcodeDistrict.objects.create(outward_code="LS6", jurisdiction=leeds)
    PostcodeDistrict.objects.create(outward_code="NW1", jurisdiction=camden)
    return england, leeds, camden


def make_user(
    username: str, role: str, *jurisdictions: Jurisdiction, team: Team | None = None
) -> User:
    user = User.objects.create_user(username=username, password=PASSWORD, role=role, team=team)
    user.jurisdictions.set(jurisdictions)
    return user


def build_personas(world: World) -> None:
    yorkshire = world.leeds.parent
    assert yorkshire is not None
    team_a = Team.objects.create(name="Leeds tracing team")
    world.users = {
        "tracer_a": make_user("tracer_a", Role.TRACER, world.leeds, team=team_a),
        "tracer_b": make_user("tracer_b", Role.TRACER, world.camden),
        "supervisor_a": make_user("supervisor_a", Role.SUPERVISOR, world.leeds, team=team_a),
        "health_protection": make_user("health_protection", Role.HEALTH_PROTECTION, yorkshire),
        "analyst": make_user("analyst", Role.ANALYST, world.england),
        "admin": make_user("admin", Role.ADMIN, world.england),
    }
    for name in ("tracer_a", "tracer_b"):
        TracerProfile.objects.create(user=world.users[name], languages=["en"])


def build_district(
    jurisdiction: Jurisdiction, *, tag: str, postcode: str, nhs_number: str
) -> District:
    now = timezone.now()
    specimen_at = now - dt.timedelta(days=1)
    result, _ = record_test_result(
        LabResult(
            lab_code="LAB-TEST",
            specimen_id=f"SPEC-{tag}",
            test_code="94500-6",
            test_name="SARS-CoV-2 RNA",
            result="positive",
            specimen_collected_at=specimen_at,
            result_at=specimen_at + dt.timedelta(hours=20),
        ),
        PersonDetails(
            first_name=f"Case{tag}",
            last_name="Testperson",
            date_of_birth=dt.date(1980, 1, 2),
            nhs_number=nhs_number,
            phone="07700900001",
            address_line1=f"1 {tag} Street",
            town=jurisdiction.name,
            postcode=postcode,
        ),
        fallback_jurisdiction=jurisdiction,
        actor=None,
        source="tests",
    )
    assert result.case is not None
    case = result.case
    contact, _ = add_contact(
        case,
        PersonDetails(
            first_name=f"Contact{tag}",
            last_name="Testperson",
            address_line1=f"1 {tag} Street",
            postcode=postcode,
        ),
        Exposure(contact_type="household", last_exposure_date=specimen_at.date()),
        reported_at=now,
        actor=None,
        source="tests",
    )
    setting, _ = register_setting(
        name=f"{tag} Community Centre",
        setting_type="hospitality",
        jurisdiction=jurisdiction,
        external_ref=f"VENUE-{tag}",
        actor=None,
        source="tests",
    )
    return District(
        jurisdiction=jurisdiction,
        person=case.person,
        case=case,
        contact=contact,
        setting=setting,
        case_task=case.tasks.get(kind="reach_case"),
    )


def build_world() -> World:
    england, leeds, camden = build_geography()
    world = World(england=england, leeds=leeds, camden=camden)
    build_personas(world)
    world.a = build_district(leeds, tag="A", postcode="LS6 3AB", nhs_number="9434765919")
    world.b = build_district(camden, tag="B", postcode="NW1 2BB", nhs_number="9434765870")
    return world
