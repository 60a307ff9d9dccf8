"""Every stored field is classified, and the system check catches any that is not."""

from __future__ import annotations

import pytest

from tracedesk.privacy import classification
from tracedesk.privacy.checks import check_classification, model_fields
from tracedesk.privacy.classification import Level, fields_at, level_of


def test_the_project_passes_the_check() -> None:
    assert check_classification() == []


def test_an_unclassified_field_fails_the_check(monkeypatch: pytest.MonkeyPatch) -> None:
    person = dict(classification.FIELDS["people.person"])
    del person["phone"]
    monkeypatch.setitem(classification.FIELDS, "people.person", person)
    errors = check_classification()
    assert [(e.id, e.msg) for e in errors] == [
        ("privacy.E001", "people.person.phone has no personal-data classification")
    ]


def test_a_stale_entry_fails_the_check(monkeypatch: pytest.MonkeyPatch) -> None:
    person = {**classification.FIELDS["people.person"], "shoe_size": Level.PERSONAL}
    monkeypatch.setitem(classification.FIELDS, "people.person", person)
    assert [e.id for e in check_classification()] == ["privacy.E002"]


def test_every_domain_model_is_covered() -> None:
    assert set(model_fields()) == set(classification.FIELDS)


def test_identifying_and_health_fields_are_not_marked_not_personal() -> None:
    assert level_of("people.Person", "nhs_number") == Level.PERSONAL
    assert level_of("ingest.TestResult", "result") == Level.SENSITIVE
    assert level_of("tracing.CallAttempt", "notes") == Level.SENSITIVE
    assert "first_name" in fields_at("people.person", Level.PERSONAL)
    assert "jurisdiction" in fields_at("people.person", Level.NOT_PERSONAL)
