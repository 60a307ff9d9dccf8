"""Reading the interview and outcome forms (web) into the actions' values.

Every error names the form field, so the page can show it next to the input.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from tracedesk.cases.exposure import Exposure
from tracedesk.cases.models import ContactType, Proximity
from tracedesk.people.models import Person
from tracedesk.places.models import Setting
from tracedesk.tracing.actions import ContactAnswer, InterviewAnswers
from tracedesk.tracing.models import Outcome, TracingTask

NEW_CONTACT_ROWS = 3
SETTING_ROWS = 3


def _date(data: Mapping[str, Any], name: str, *, required: bool = False) -> dt.date | None:
    raw = (data.get(name) or "").strip()
    if not raw:
        if required:
            raise ValidationError({name: "Enter a date."})
        return None
    value = parse_date(raw)
    if value is None:
        raise ValidationError({name: f"{raw!r} is not a date (YYYY-MM-DD)."})
    return value


def parse_datetime_field(data: Mapping[str, Any], name: str) -> dt.datetime | None:
    raw = (data.get(name) or "").strip()
    if not raw:
        return None
    value = parse_datetime(raw)
    if value is None:
        raise ValidationError({name: f"{raw!r} is not a date and time."})
    return timezone.make_aware(value) if timezone.is_naive(value) else value


def parse_interview(
    data: Mapping[str, Any],
    *,
    household: list[Person],
    settings: dict[int, Setting],
) -> InterviewAnswers:
    """The answers of the interview form; ``household`` and ``settings`` bound the choices."""
    symptoms = data.get("has_symptoms", "")
    if symptoms not in {"yes", "no", ""}:
        raise ValidationError({"has_symptoms": "Answer yes or no."})
    has_symptoms = {"yes": True, "no": False}.get(symptoms)
    onset = _date(data, "onset_date", required=has_symptoms is True)
    visits = []
    for row in range(SETTING_ROWS):
        raw = (data.get(f"setting_{row}") or "").strip()
        if not raw:
            continue
        if not raw.isdigit() or int(raw) not in settings:
            raise ValidationError({f"setting_{row}": "Choose a place from the list."})
        day = _date(data, f"setting_{row}_date", required=True)
        assert day is not None  # noqa: S101  (required above)
        visits.append((settings[int(raw)], day))
    contacts = []
    today = timezone.localdate()
    for person in household:
        if data.get(f"household_{person.pk}") == "on":
            contacts.append(ContactAnswer(Exposure(ContactType.HOUSEHOLD, today), person=person))
    for row in range(NEW_CONTACT_ROWS):
        first = (data.get(f"contact_{row}_first_name") or "").strip()
        last = (data.get(f"contact_{row}_last_name") or "").strip()
        phone = (data.get(f"contact_{row}_phone") or "").strip()
        if not (first or last or phone):
            continue
        if not (first and last):
            raise ValidationError({f"contact_{row}_first_name": "Give a first and last name."})
        kind = data.get(f"contact_{row}_type") or ContactType.OTHER
        if kind not in ContactType.values:
            raise ValidationError({f"contact_{row}_type": "Choose a kind of contact."})
        proximity = data.get(f"contact_{row}_proximity") or Proximity.OTHER
        if proximity not in Proximity.values:
            raise ValidationError({f"contact_{row}_proximity": "Choose how close they were."})
        day = _date(data, f"contact_{row}_date", required=True)
        assert day is not None  # noqa: S101  (required above)
        from tracedesk.people.details import PersonDetails

        contacts.append(
            ContactAnswer(
                Exposure(kind, day, proximity=proximity),
                details=PersonDetails(first_name=first, last_name=last, phone=phone),
            )
        )
    return InterviewAnswers(
        identity_confirmed=data.get("identity_confirmed") == "on",
        has_symptoms=has_symptoms,
        onset_date=onset,
        isolation_advice_given=data.get("isolation_advice_given") == "on",
        settings=tuple(visits),
        contacts=tuple(contacts),
    )


def parse_outcome(data: Mapping[str, Any]) -> dict[str, Any]:
    """The "not reached" outcome form: outcome, callback time, language, notes."""
    outcome = data.get("outcome", "")
    if outcome not in Outcome.values or outcome == Outcome.REACHED:
        raise ValidationError({"outcome": "Choose how the call ended."})
    callback_at = parse_datetime_field(data, "callback_at")
    if outcome == Outcome.CALLBACK and callback_at is None:
        raise ValidationError({"callback_at": "Give the time to call back."})
    return {
        "outcome": outcome,
        "callback_at": callback_at if outcome == Outcome.CALLBACK else None,
        "language": (data.get("language") or "").strip().lower()
        if outcome == Outcome.INTERPRETER
        else "",
        "notes": (data.get("notes") or "").strip()[:2000],
    }


def household_of(task: TracingTask) -> list[Person]:
    """The people living with the case (household members first in the interview)."""
    if task.case is None or task.case.person.household_id is None:
        return []
    return list(
        Person.objects.filter(household_id=task.case.person.household_id, merged_into=None)
        .exclude(pk=task.case.person_id)
        .order_by("first_name", "last_name", "pk")
    )
