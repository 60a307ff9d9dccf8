"""What can be exported: each list, read through its app's access function, row by row.

Every row passes through ``shape_row`` — the single seam where a record is cut
down to what the exporting user's role may receive (``privacy.minimise.shape``:
fields withheld from the role dropped, personal fields pseudonymised for a role
that gets pseudonyms). The header is derived from the same seam, so a column a
role may not see is absent from the file, not empty.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Model, QuerySet
from django.utils import timezone

from tracedesk.accounts.roles import Right, require
from tracedesk.accounts.scope import scope_ids
from tracedesk.cases.access import cases_for, contacts_for
from tracedesk.cases.models import Case, Contact
from tracedesk.exports.access import pseudonymised_cases_for, pseudonymised_contacts_for
from tracedesk.exports.writers import Column, Kind
from tracedesk.people.access import persons_for
from tracedesk.people.models import Person
from tracedesk.privacy.minimise import BY_LEVEL, Treatment, shape, treatment
from tracedesk.privacy.pseudonymise import PSEUDONYMISED, pseudonymise_row
from tracedesk.tracing.access import tasks_for
from tracedesk.tracing.models import TracingTask

CHUNK = 2_000  # rows fetched from the database at a time (a server-side cursor on PostgreSQL)
AUDIT_BATCH = 10_000  # exported ids per audit event


@dataclass(frozen=True)
class Field:
    model: str  # the classified model the value belongs to, e.g. "people.person"
    name: str  # its field name there (what the classification and minimisation read)
    path: str  # the ``values_list`` path from the dataset's own model
    kind: Kind = "str"


@dataclass(frozen=True)
class Dataset:
    key: str
    title: str
    model: type[Model]
    access: Callable[[Any], QuerySet[Any]]
    fields: tuple[Field, ...]
    description: str
    right: Right = Right.EXPORT_DATA  # on top of what ``access`` itself requires
    personal: bool = True  # asks for a recent password confirmation, like any bulk copy
    # Every row pseudonymised (``pseudonymised_row``) whoever exports it; ``age_on`` is the
    # path of the date the record is about, for age bands.
    pseudonymised: bool = False
    age_on: str = ""


def _f(model: str, name: str, path: str | None = None, kind: Kind = "str") -> Field:
    return Field(model, name, path or name, kind)


CASE, CONTACT, PERSON, PLACE = (
    "cases.case",
    "cases.contact",
    "people.person",
    "geography.jurisdiction",
)
TASK, ADDRESS = "tracing.tracingtask", "people.address"

DATASETS: dict[str, Dataset] = {
    d.key: d
    for d in [
        Dataset(
            key="cases",
            title="Cases",
            model=Case,
            access=cases_for,
            description="Every case in your area: dates, status, complexity, the person's name "
            "and date of birth.",
            fields=(
                _f(CASE, "id", kind="int"),
                _f(PLACE, "code", "jurisdiction__code"),
                _f(CASE, "status"),
                _f(CASE, "is_complex", kind="bool"),
                _f(CASE, "first_specimen_at", kind="datetime"),
                _f(CASE, "latest_specimen_at", kind="datetime"),
                _f(CASE, "onset_date", kind="date"),
                _f(CASE, "created_at", kind="datetime"),
                _f(CASE, "person", "person_id", kind="int"),
                _f(PERSON, "nhs_number", "person__nhs_number"),
                _f(PERSON, "first_name", "person__first_name"),
                _f(PERSON, "last_name", "person__last_name"),
                _f(PERSON, "date_of_birth", "person__date_of_birth", kind="date"),
            ),
        ),
        Dataset(
            key="contacts",
            title="Contacts",
            model=Contact,
            access=contacts_for,
            description="Every contact living in your area: the exposure and the person's name "
            "and phone.",
            fields=(
                _f(CONTACT, "id", kind="int"),
                _f(CONTACT, "case", "case_id", kind="int"),
                _f(PLACE, "code", "jurisdiction__code"),
                _f(CONTACT, "contact_type"),
                _f(CONTACT, "last_exposure_date", kind="date"),
                _f(CONTACT, "proximity"),
                _f(CONTACT, "duration_minutes", kind="int"),
                _f(CONTACT, "reported_at", kind="datetime"),
                _f(CONTACT, "person", "person_id", kind="int"),
                _f(PERSON, "first_name", "person__first_name"),
                _f(PERSON, "last_name", "person__last_name"),
                _f(PERSON, "phone", "person__phone"),
            ),
        ),
        Dataset(
            key="tasks",
            title="Tracing tasks",
            model=TracingTask,
            access=tasks_for,
            description="Every tracing task in your area: kind, deadline, status, assignee.",
            fields=(
                _f(TASK, "id", kind="int"),
                _f(TASK, "kind"),
                _f(PLACE, "code", "jurisdiction__code"),
                _f(TASK, "case", "case_id", kind="int"),
                _f(TASK, "contact", "contact_id", kind="int"),
                _f(TASK, "priority", kind="int"),
                _f(TASK, "status"),
                _f(TASK, "assignee", "assignee_id", kind="int"),
                _f(TASK, "due_by", kind="datetime"),
                _f(TASK, "created_at", kind="datetime"),
                _f(TASK, "completed_at", kind="datetime"),
            ),
        ),
        Dataset(
            key="people",
            title="People",
            model=Person,
            access=persons_for,
            description="Every person in your area: name, date of birth, sex, postcode.",
            fields=(
                _f(PERSON, "id", kind="int"),
                _f(PLACE, "code", "jurisdiction__code"),
                _f(PERSON, "nhs_number"),
                _f(PERSON, "first_name"),
                _f(PERSON, "last_name"),
                _f(PERSON, "date_of_birth", kind="date"),
                _f(PERSON, "sex"),
                _f(ADDRESS, "postcode", "address__postcode"),
            ),
        ),
        Dataset(
            key="cases-pseudonymised",
            title="Cases (pseudonymised)",
            model=Case,
            access=pseudonymised_cases_for,
            right=Right.EXPORT_PSEUDONYMISED,
            pseudonymised=True,
            age_on="first_specimen_at",
            description="Every case in your area for analysis: stable pseudonyms for the case "
            "and the person, age band on the specimen date, sex, postcode district; no name, "
            "contact detail or NHS number.",
            fields=(
                _f(CASE, "id", kind="int"),
                _f(PLACE, "code", "jurisdiction__code"),
                _f(CASE, "status"),
                _f(CASE, "is_complex", kind="bool"),
                _f(CASE, "first_specimen_at", kind="datetime"),
                _f(CASE, "latest_specimen_at", kind="datetime"),
                _f(CASE, "onset_date", kind="date"),
                _f(CASE, "created_at", kind="datetime"),
                _f(CASE, "person", "person_id", kind="int"),
                _f(PERSON, "date_of_birth", "person__date_of_birth", kind="date"),
                _f(PERSON, "sex", "person__sex"),
                _f(ADDRESS, "postcode", "person__address__postcode"),
            ),
        ),
        Dataset(
            key="contacts-pseudonymised",
            title="Contacts (pseudonymised)",
            model=Contact,
            access=pseudonymised_contacts_for,
            right=Right.EXPORT_PSEUDONYMISED,
            pseudonymised=True,
            age_on="last_exposure_date",
            description="Every contact living in your area for analysis: pseudonyms for the "
            "contact, their case and the person, the exposure, age band, sex, postcode "
            "district; no name, contact detail or NHS number.",
            fields=(
                _f(CONTACT, "id", kind="int"),
                _f(CONTACT, "case", "case_id", kind="int"),
                _f(PLACE, "code", "jurisdiction__code"),
                _f(CONTACT, "contact_type"),
                _f(CONTACT, "last_exposure_date", kind="date"),
                _f(CONTACT, "proximity"),
                _f(CONTACT, "duration_minutes", kind="int"),
                _f(CONTACT, "reported_at", kind="datetime"),
                _f(CONTACT, "person", "person_id", kind="int"),
                _f(PERSON, "date_of_birth", "person__date_of_birth", kind="date"),
                _f(PERSON, "sex", "person__sex"),
                _f(ADDRESS, "postcode", "person__address__postcode"),
            ),
        ),
    ]
}


def _on(value: Any) -> dt.date:
    """The date a record is about (its specimen or exposure date), for age bands."""
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).date()
    if isinstance(value, dt.date):
        return value
    return timezone.localdate()


def pseudonymised_row(dataset: Dataset, values: Sequence[Any]) -> dict[str, Any]:
    """One record of a pseudonymised list, whoever exports it (``privacy.pseudonymise``):
    its own and its person's ids become keyed pseudonyms, the date of birth an age band
    on the record's own date, the postcode its district; every other personal field is
    dropped, and so is any field the classification does not know (a KeyError)."""
    own = dataset.model._meta.label_lower
    row: dict[str, Any] = {}
    on = None
    for field, value in zip(dataset.fields, values, strict=True):
        if field.name == dataset.age_on and field.model == own:
            on = _on(value)
        if field.model == PLACE:
            row["jurisdiction_code"] = value
        elif field.model == own:
            row[field.name] = value
        else:
            row[f"{field.model}.{field.name}"] = value
    out = pseudonymise_row(own, {k: v for k, v in row.items() if k != "jurisdiction_code"},
                           on=on or timezone.localdate())  # fmt: skip
    return {"jurisdiction_code": row["jurisdiction_code"], **out}


def _shaped(user: object, dataset: Dataset, values: Sequence[Any]) -> dict[str, Any]:
    own = dataset.model._meta.label_lower
    out: dict[str, Any] = {}
    groups: dict[str, dict[str, Any]] = {}
    for field, value in zip(dataset.fields, values, strict=True):
        if field.model == PLACE:
            out["jurisdiction_code"] = value  # reference data, shown to every role
        else:
            groups.setdefault(field.model, {})[field.name] = value
    for label, row in groups.items():
        prefix = "" if label == own else label.split(".")[1] + "_"
        for key, value in shape(user, label, row).items():
            out[prefix + key] = value
    return out


def shape_row(user: object, dataset: Dataset, values: Sequence[Any]) -> list[Any]:
    """Return one row as ``user`` may receive it: the seam for minimisation and pseudonyms."""
    if dataset.pseudonymised:
        return list(pseudonymised_row(dataset, values).values())
    return list(_shaped(user, dataset, values).values())


def columns_for(user: object, dataset: Dataset) -> list[Column]:
    """Return the file's columns for ``user``: the shaped names of an empty row."""
    if dataset.pseudonymised:
        row = pseudonymised_row(dataset, [None] * len(dataset.fields))
        plain: dict[str, Kind] = {  # pseudonyms, age bands and districts are text
            ("jurisdiction_code" if f.model == PLACE else f.name): f.kind
            for f in dataset.fields
            if f.model in {PLACE, dataset.model._meta.label_lower}
            and f"{f.model}.{f.name}" not in PSEUDONYMISED
        }
        return [Column(name, plain.get(name, "str")) for name in row]
    own = dataset.model._meta.label_lower
    role = getattr(user, "role", "")
    kinds: dict[str, Kind] = {}
    for field in dataset.fields:
        prefix = "" if field.model in {own, PLACE} else field.model.split(".")[1] + "_"
        name = "jurisdiction_code" if field.model == PLACE else prefix + field.name
        pseudonymised = treatment(role, field.model, field.name) == Treatment.PSEUDONYMISE
        kinds[name] = "str" if pseudonymised else field.kind
    names = _shaped(user, dataset, [None] * len(dataset.fields))
    return [Column(name, kinds.get(name, "str")) for name in names]


def _selection(user: object, dataset: Dataset) -> list[int] | None:
    """Return which values ``shape_row`` keeps, in its order, when it only drops fields.

    None when the user's role gets pseudonyms (every row must then go through
    ``shape_row``). A plain selection gives the same rows ten times faster.
    """
    role = getattr(user, "role", "")
    if dataset.pseudonymised or Treatment.PSEUDONYMISE in BY_LEVEL.get(role, {}).values():
        return None
    places = [n for n, field in enumerate(dataset.fields) if field.model == PLACE]
    groups: dict[str, list[int]] = {}
    for n, field in enumerate(dataset.fields):
        if field.model != PLACE:
            groups.setdefault(field.model, [])
            if treatment(role, field.model, field.name) != Treatment.WITHHOLD:
                groups[field.model].append(n)
    return places[-1:] + [n for kept in groups.values() for n in kept]


def rows_for(
    user: object, dataset: Dataset, *, exported: Callable[[list[int]], None] | None = None
) -> tuple[list[Column], Iterator[list[Any]]]:
    """Return the columns and a lazy iterator of shaped rows, in id order, scoped to ``user``.

    The access function decides scope and rights (403/empty); nothing is fetched
    until the iterator is consumed, ``CHUNK`` rows at a time. ``exported`` is called
    with the ids of the rows handed out, ``AUDIT_BATCH`` at a time and once more when
    the iteration ends or is abandoned (a client that hangs up), for the audit trail.
    """
    queryset = dataset.access(user)
    require(user, dataset.right)
    paths = ["pk", *(field.path for field in dataset.fields)]
    values = queryset.order_by("pk").values_list(*paths).iterator(chunk_size=CHUNK)
    selection = _selection(user, dataset)

    def shaped() -> Iterator[list[Any]]:
        ids: list[int] = []
        try:
            for pk, *row in values:
                ids.append(pk)
                if len(ids) >= AUDIT_BATCH and exported is not None:
                    exported(ids)
                    ids = []
                if selection is None:
                    yield shape_row(user, dataset, row)
                else:
                    yield [row[n] for n in selection]
        finally:
            if ids and exported is not None:
                exported(ids)

    return columns_for(user, dataset), shaped()


# --- KPI tables (aggregates: the statistics right is enough) ----------------------------

KPI_COLUMNS = [
    Column("day", "date"),
    Column("kpi", "str"),
    Column("title", "str"),
    Column("version", "int"),
    Column("numerator", "int"),
    Column("denominator", "int"),
    Column("value", "float"),
]


def kpi_rows(user: object, *, days: int, today: dt.date | None = None) -> Iterator[list[Any]]:
    """Yield each KPI (unsegmented, of cases and contacts) per day over the last ``days`` days."""
    from tracedesk.kpis import engine
    from tracedesk.kpis.facts import day_start

    require(user, Right.VIEW_STATISTICS)
    ids = sorted(scope_ids(user))
    last = today or timezone.localdate()
    keys = [
        key
        for key, kpi in engine.KPIS.items()
        if not kpi.segment and kpi.subject in {"case", "contact", "composite"}
    ]
    for offset in range(days - 1, -1, -1):
        day = last - dt.timedelta(days=offset)
        start, end = day_start(day), day_start(day + dt.timedelta(days=1))
        for key in keys:
            kpi = engine.KPIS[key]
            measured = engine.measure(key, start=start, end=end, jurisdiction_ids=ids)
            yield [
                day, key, kpi.title, kpi.version, measured.numerator, measured.denominator,
                measured.value,
            ]  # fmt: skip
