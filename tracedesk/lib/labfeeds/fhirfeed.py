"""FHIR R4 laboratory feeds: NDJSON and Bundle (``docs/lab-feeds.md``, section FHIR R4).

Resources are validated with ``fhir.resources`` (the R4B models, wire-compatible with R4 for
Observation, Patient and Specimen). Each resource is validated on its own — an Observation
without its ``contained`` list, then each contained or referenced Patient/Specimen — so a
validation error can be named by resource and element, mapped to a canonical field, and told in
one readable sentence. Values are then read from the JSON per the contract's table.

* :class:`FhirNdjsonFeed` streams the file line by line (memory stays flat); a record's number is
  its line; its ``raw`` is the line's text.
* :class:`FhirBundleFeed` loads the whole Bundle when it is opened (a Bundle is one JSON
  document, so it cannot be streamed with the standard library; memory grows with the file). A
  record's number is the Observation's 1-based position among the Bundle's Observations; its
  ``raw`` is a ``collection`` Bundle holding the Observation's entry and the entries of its
  Patient and Specimen, as JSON (it can be fed back to this parser).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

from fhir.resources.R4B import get_fhir_model_class
from pydantic import BaseModel, ValidationError

from .convert import RecordBuilder, iso_date, iso_datetime, sex_word, snomed_result
from .records import CANONICAL_FIELDS, RECORD, Feed, FeedError, RecordError, SourceRecord

LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
NHS_NUMBER = "https://fhir.nhs.uk/Id/nhs-number"
ODS = "https://fhir.nhs.uk/Id/ods-organization-code"

JsonObject = dict[str, Any]

_EMPTY = dict.fromkeys(CANONICAL_FIELDS, "")
_NO_OFFSET = "some date-times have no UTC offset; they were taken as UTC"


# --- small JSON helpers (the JSON may be invalid FHIR: never assume a shape) -----------------


def _obj(value: object) -> JsonObject:
    return value if isinstance(value, dict) else {}


def _arr(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _text(value: object) -> str:
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool) or value is None or isinstance(value, dict | list):
        return ""
    return str(value)


def _coding(concept: object, system: str) -> JsonObject | None:
    for coding in _arr(_obj(concept).get("coding")):
        if _obj(coding).get("system") == system:
            return _obj(coding)
    return None


# --- validation with fhir.resources ----------------------------------------------------------


@cache
def _model(resource_type: str) -> type[BaseModel] | None:
    try:
        model: type[BaseModel] = get_fhir_model_class(resource_type)
    except (KeyError, ValueError, AttributeError, ImportError):
        return None
    return model


def _element_field(resource_type: str, loc: tuple[int | str, ...], resource: JsonObject) -> str:
    """The canonical field a validation error at ``loc`` in a resource concerns."""
    head = str(loc[0]) if loc else ""
    rest = [str(part) for part in loc[1:]]
    if resource_type == "Observation":
        if head.startswith("value"):
            return "result"
        return {
            "performer": "lab_code",
            "code": "test_code",
            "issued": "result_at",
            "specimen": "specimen_id",
        }.get(head, RECORD)
    if resource_type == "Patient":
        if head == "name":
            return "first_name" if "given" in rest else "last_name"
        if head == "address":
            if "line" in rest:
                after = rest[rest.index("line") + 1 :]
                return "address_line2" if after[:1] == ["1"] else "address_line1"
            return {"city": "town", "postalCode": "postcode"}.get(
                next((p for p in rest if not p.isdigit()), ""), "address_line1"
            )
        if head == "telecom":
            index = loc[1] if len(loc) > 1 and isinstance(loc[1], int) else 0
            telecom = _arr(resource.get("telecom"))
            system = _obj(telecom[index]).get("system") if index < len(telecom) else None
            return "email" if system == "email" else "phone"
        return {"identifier": "nhs_number", "birthDate": "date_of_birth", "gender": "sex"}.get(
            head, RECORD
        )
    if resource_type == "Specimen":
        return {"identifier": "specimen_id", "collection": "specimen_collected_at"}.get(
            head, RECORD
        )
    return RECORD


def _readable(resource_type: str, exc: ValidationError, resource: JsonObject) -> RecordError:
    """One validation error as a field and a sentence (not a pydantic dump)."""
    errors = exc.errors(include_url=False)
    first = errors[0]
    loc = tuple(first.get("loc", ()))
    path = resource_type
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    kind = first.get("type", "")
    message = str(first.get("msg", "")).removeprefix("Value error, ")
    value = first.get("input")
    shown = repr(value) if len(repr(value)) <= 60 else repr(value)[:57] + "..."
    if kind == "missing":
        reason = f"{path} is required"
    elif kind == "extra_forbidden":
        reason = f"{path} is not an element of {resource_type}"
    elif "does not match spec regex" in message:
        datatype = message.split(" value string", 1)[0].strip()
        datatype = datatype[:1].lower() + datatype[1:]
        reason = f"{path} {shown} is not a valid FHIR {datatype}"
    else:
        reason = f"{path}: {message.rstrip('.')} (got {shown})"
    if len(errors) > 1:
        more = len(errors) - 1
        reason += f" (and {more} more problem{'s' if more > 1 else ''} in this {resource_type})"
    return RecordError(_element_field(resource_type, loc, resource), reason)


def validate_resource(resource: JsonObject) -> RecordError | None:
    """Validate one resource (an Observation without its ``contained``) with fhir.resources."""
    resource_type = _text(resource.get("resourceType"))
    model = _model(resource_type) if resource_type else None
    if model is None:
        return RecordError(RECORD, f"unknown FHIR resourceType {resource_type!r}")
    if resource_type == "Observation" and "contained" in resource:
        resource = {k: v for k, v in resource.items() if k != "contained"}
    try:
        model.model_validate(resource)
    except ValidationError as exc:
        return _readable(resource_type, exc, resource)
    return None


# --- reading the canonical fields --------------------------------------------------------------


def build_record(
    number: int,
    raw: str,
    observation: JsonObject,
    patient: JsonObject | None,
    specimen: JsonObject | None,
    problems: list[RecordError],
    feed: Feed,
) -> SourceRecord:
    """Convert one Observation with its Patient and Specimen (``None`` when unresolved).

    ``problems`` are errors already found (validation, references); the first one is kept.
    """
    record = RecordBuilder(dict(_EMPTY))
    for problem in problems:
        record.fail(problem.field, problem.reason)
    fields = record.fields

    performers = _arr(observation.get("performer"))
    lab = _obj(_obj(performers[0]).get("identifier")) if performers else {}
    fields["lab_code"] = _text(lab.get("value"))
    if lab.get("system") not in (None, ODS):
        record.warnings.append(f"performer identifier system is {lab.get('system')!r}, not {ODS}")
    loinc = _coding(observation.get("code"), LOINC)
    if loinc is not None:
        fields["test_code"] = _text(loinc.get("code"))
        fields["test_name"] = _text(loinc.get("display"))
    elif observation.get("code") is not None:
        record.fail("test_code", f"Observation.code has no coding with system {LOINC}")
    concept = observation.get("valueCodeableConcept")
    result = _coding(concept, SNOMED)
    if result is not None:
        record.convert("result", _text(result.get("code")), snomed_result)
    elif concept is None:
        record.fail("result", "Observation has no valueCodeableConcept")
    else:
        record.fail(
            "result", f"Observation.valueCodeableConcept has no coding with system {SNOMED}"
        )
    if record.convert_datetime("result_at", _text(observation.get("issued")), iso_datetime):
        feed.warn(_NO_OFFSET)

    if specimen is not None:
        identifiers = _arr(specimen.get("identifier"))
        fields["specimen_id"] = _text(_obj(identifiers[0]).get("value")) if identifiers else ""
        collected = _text(_obj(specimen.get("collection")).get("collectedDateTime"))
        if record.convert_datetime("specimen_collected_at", collected, iso_datetime):
            feed.warn(_NO_OFFSET)

    if patient is not None:
        for identifier in _arr(patient.get("identifier")):
            if _obj(identifier).get("system") == NHS_NUMBER:
                fields["nhs_number"] = _text(_obj(identifier).get("value"))
                break
        names = _arr(patient.get("name"))
        name = _obj(names[0]) if names else {}
        given = _arr(name.get("given"))
        fields["first_name"] = _text(given[0]) if given else ""
        fields["last_name"] = _text(name.get("family"))
        record.convert("date_of_birth", _text(patient.get("birthDate")), iso_date)
        gender = _text(patient.get("gender"))
        if gender and gender not in ("female", "male", "other", "unknown"):
            fields["sex"] = gender
            record.fail("sex", f"unknown Patient.gender {gender!r}")
        else:
            record.convert("sex", gender, sex_word)
        for telecom in _arr(patient.get("telecom")):
            system = _obj(telecom).get("system")
            if system in ("phone", "email") and not fields[system]:
                fields[system] = _text(_obj(telecom).get("value"))
        addresses = _arr(patient.get("address"))
        address = _obj(addresses[0]) if addresses else {}
        lines = _arr(address.get("line"))
        fields["address_line1"] = _text(lines[0]) if lines else ""
        fields["address_line2"] = _text(lines[1]) if len(lines) > 1 else ""
        fields["town"] = _text(address.get("city"))
        fields["postcode"] = _text(address.get("postalCode"))

    record.require("lab_code")
    record.require("specimen_id")
    record.require("test_code")
    return record.build(number, raw)


def _not_an_observation(resource: object) -> str | None:
    if not isinstance(resource, dict):
        return f"expected a JSON object (an Observation), found {type(resource).__name__}"
    resource_type = resource.get("resourceType")
    if resource_type != "Observation":
        return f"expected an Observation, found resourceType {resource_type!r}"
    return None


class FhirNdjsonFeed(Feed):
    """FHIR NDJSON: one Observation per line with its Patient and Specimen ``contained``.

    Streams the file line by line; blank lines are not records. No declared count.
    """

    format = "fhir-ndjson"

    def __iter__(self) -> Iterator[SourceRecord]:
        self.records_read = 0
        with self.path.open("rb") as stream:
            for number, line in enumerate(stream, 1):
                if number == 1:
                    line = line.removeprefix(b"\xef\xbb\xbf")
                if not line.strip():
                    continue
                self.records_read += 1
                if self.records_read <= self.skip:
                    continue
                yield self._record(number, line.rstrip(b"\r\n"))

    def _record(self, number: int, line: bytes) -> SourceRecord:
        try:
            raw = line.decode("utf-8")
        except UnicodeDecodeError as exc:
            return SourceRecord(
                number,
                dict(_EMPTY),
                line.decode("utf-8", errors="replace"),
                RecordError(RECORD, f"the line is not valid UTF-8 (byte {exc.start + 1})"),
            )
        try:
            observation = json.loads(raw)
        except json.JSONDecodeError as exc:
            reason = f"the line is not valid JSON: {exc.msg} at column {exc.colno}"
            return SourceRecord(number, dict(_EMPTY), raw, RecordError(RECORD, reason))
        wrong = _not_an_observation(observation)
        if wrong is not None:
            return SourceRecord(number, dict(_EMPTY), raw, RecordError(RECORD, wrong))
        contained: dict[str, JsonObject] = {}
        problems: list[RecordError] = []
        error = validate_resource(observation)
        if error is not None:
            problems.append(error)
        for resource in _arr(observation.get("contained")):
            resource = _obj(resource)
            error = validate_resource(resource)
            if error is not None:
                problems.append(error)
            local_id = _text(resource.get("id"))
            if local_id:
                contained["#" + local_id] = resource
        patient = self._resolve(observation, "subject", "Patient", contained, problems)
        specimen = self._resolve(observation, "specimen", "Specimen", contained, problems)
        return build_record(number, raw, observation, patient, specimen, problems, self)

    @staticmethod
    def _resolve(
        observation: JsonObject,
        element: str,
        resource_type: str,
        contained: dict[str, JsonObject],
        problems: list[RecordError],
    ) -> JsonObject | None:
        field = RECORD if resource_type == "Patient" else "specimen_id"
        reference = _text(_obj(observation.get(element)).get("reference"))
        if not reference:
            problems.append(RecordError(field, f"Observation.{element} has no reference"))
            return None
        resource = contained.get(reference)
        if resource is None or resource.get("resourceType") != resource_type:
            problems.append(
                RecordError(
                    field,
                    f"Observation.{element} {reference!r} is not a contained {resource_type}",
                )
            )
            return None
        return resource


class FhirBundleFeed(Feed):
    """A FHIR Bundle (any type) of Patient, Specimen and Observation entries.

    The whole Bundle is loaded when the feed is opened (:class:`FeedError` if it is not a JSON
    Bundle); ``declared_count`` is ``Bundle.total`` when present, known from then on.
    References resolve by ``fullUrl`` (``urn:uuid:…`` or absolute URL) or ``ResourceType/id``.
    The Bundle resource itself is not validated as a whole (one bad entry must not reject the
    others); each Observation, Patient and Specimen entry is.
    """

    format = "fhir-bundle"

    def __init__(self, path: str | Path, *, skip: int = 0) -> None:
        super().__init__(path, skip=skip)
        try:
            with self.path.open("rb") as stream:
                bundle = json.load(stream)
        except json.JSONDecodeError as exc:
            raise FeedError(
                f"{self.path.name}: not valid JSON: {exc.msg} at line {exc.lineno} "
                f"column {exc.colno}"
            ) from exc
        except UnicodeDecodeError as exc:
            raise FeedError(f"{self.path.name}: not valid UTF-8 JSON") from exc
        if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
            raise FeedError(f"{self.path.name}: not a FHIR Bundle")
        total = bundle.get("total")
        if isinstance(total, int) and not isinstance(total, bool) and total >= 0:
            self.declared_count = total
        elif total is not None:
            self.warn(f"Bundle.total {total!r} is not a count; ignored")
        self._entries: dict[str, JsonObject] = {}
        self._observations: list[JsonObject] = []
        for entry in _arr(bundle.get("entry")):
            entry = _obj(entry)
            resource = _obj(entry.get("resource"))
            resource_type = _text(resource.get("resourceType"))
            full_url = _text(entry.get("fullUrl"))
            if full_url:
                self._entries[full_url] = entry
            local_id = _text(resource.get("id"))
            if resource_type and local_id:
                self._entries.setdefault(f"{resource_type}/{local_id}", entry)
            if resource_type == "Observation":
                self._observations.append(entry)

    def _lookup(self, reference: str) -> JsonObject | None:
        entry = self._entries.get(reference)
        if entry is None and "/" in reference:
            # an absolute or versioned reference: match on its ResourceType/id
            parts = reference.split("/_history/", 1)[0].rstrip("/").split("/")
            if len(parts) >= 2:
                entry = self._entries.get("/".join(parts[-2:]))
        return entry

    def __iter__(self) -> Iterator[SourceRecord]:
        self.records_read = 0
        checked: dict[int, RecordError | None] = {}
        for number, entry in enumerate(self._observations, 1):
            self.records_read += 1
            if self.records_read <= self.skip:
                continue
            observation = _obj(entry.get("resource"))
            problems: list[RecordError] = []
            error = validate_resource(observation)
            if error is not None:
                problems.append(error)
            raw_entries = [entry]
            linked: dict[str, JsonObject | None] = {}
            for element, resource_type in (("subject", "Patient"), ("specimen", "Specimen")):
                field = RECORD if resource_type == "Patient" else "specimen_id"
                reference = _text(_obj(observation.get(element)).get("reference"))
                target = self._lookup(reference) if reference else None
                resource = _obj(target.get("resource")) if target is not None else None
                if not reference:
                    problems.append(RecordError(field, f"Observation.{element} has no reference"))
                elif resource is None or resource.get("resourceType") != resource_type:
                    problems.append(
                        RecordError(
                            field,
                            f"Observation.{element} {reference!r} does not resolve to a "
                            f"{resource_type} in the Bundle",
                        )
                    )
                    resource = None
                if resource is not None and target is not None:
                    raw_entries.append(target)
                    if id(resource) not in checked:
                        checked[id(resource)] = validate_resource(resource)
                    error = checked[id(resource)]
                    if error is not None:
                        problems.append(error)
                linked[resource_type] = resource
            raw = json.dumps(
                {"resourceType": "Bundle", "type": "collection", "entry": raw_entries},
                ensure_ascii=False,
            )
            yield build_record(
                number, raw, observation, linked["Patient"], linked["Specimen"], problems, self
            )
