"""The lab feed in every format of the contract (docs/lab-feeds.md), with optional defects.

Each lab result arrives here once, as the canonical 18-field row of ``lab_results.csv``, and is
written to every enabled format in the same order: CSV, FHIR NDJSON, FHIR Bundle, HL7 v2.5.1 and
HL7 MLLP. Everything streams: a Bundle is written entry by entry and its ``total`` comes last, the
HL7 batch trailer (``BTS``/``FTS``) is written when the feed closes.

With ``malformed_rate`` > 0 each format independently replaces a record by a broken version of it
(one record per result is kept in every file) and the defect is listed in ``truth/malformed.csv``.
The defects use their own seeded random streams, so the simulation, and every other file, is the
same whatever the rate and whichever formats are written.
"""

from __future__ import annotations

import json
import pathlib
import random
import re
from collections.abc import Sequence
from typing import IO

from . import rng as rngmod
from .config import LAB_FORMATS, SynthConfig
from .population import nhs_check_digit
from .writer import LAB_RESULTS, CsvOut

FILE_NAMES: dict[str, str] = {
    "csv": "lab_results.csv",
    "fhir-ndjson": "lab_results.fhir.ndjson",
    "fhir-bundle": "lab_results.bundle.json",
    "hl7": "lab_results.hl7",
    "hl7-mllp": "lab_results.mllp.hl7",
}

# The defects each format can carry: kind -> canonical field named in truth/malformed.csv
# ("record" when no single field can be named). ``invalid_date`` names the date it broke.
MALFORMED_KINDS: dict[str, tuple[str, ...]] = {
    "csv": (
        "invalid_date",
        "unknown_result",
        "missing_specimen_id",
        "wrong_field_count",
        "invalid_nhs_number",
    ),
    "fhir-ndjson": ("missing_specimen_reference", "invalid_date", "unknown_result", "invalid_json"),
    "fhir-bundle": (
        "missing_specimen_reference",
        "invalid_date",
        "unknown_result",
        "unresolved_reference",
    ),
    "hl7": ("missing_pid", "invalid_date", "unknown_result", "truncated"),
    "hl7-mllp": ("missing_pid", "invalid_date", "unknown_result", "truncated"),
}

# Positions in the canonical row (writer.LAB_RESULTS).
(
    LAB_CODE, SPECIMEN_ID, TEST_CODE, TEST_NAME, RESULT, COLLECTED_AT, RESULT_AT, NHS_NUMBER,
    FIRST_NAME, LAST_NAME, DATE_OF_BIRTH, SEX, PHONE, EMAIL, ADDRESS_LINE1, ADDRESS_LINE2, TOWN,
    POSTCODE,
) = range(len(LAB_RESULTS))  # fmt: skip

SNOMED = "http://snomed.info/sct"
LOINC = "http://loinc.org"
NHS_NUMBER_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"
ODS_SYSTEM = "https://fhir.nhs.uk/Id/ods-organization-code"
CATEGORY_SYSTEM = "http://terminology.hl7.org/CodeSystem/observation-category"
RESULT_CODES: dict[str, tuple[str, str]] = {
    "POSITIVE": ("260373001", "Detected"),
    "NEGATIVE": ("260415000", "Not detected"),
    "VOID": ("125154007", "Specimen unsatisfactory"),
}
# A real SNOMED concept that the contract does not map: what a lab sends for "inconclusive".
UNKNOWN_RESULT_CODE = ("419984006", "Inconclusive")
GENDER = {"F": "female", "M": "male", "O": "other", "U": "unknown"}
HL7_SEX = {"F": "F", "M": "M", "O": "O", "U": "U", "female": "F", "male": "M", "other": "O",
           "unknown": "U"}  # fmt: skip
# Short names for OBR-4 (OBX-3.2 carries the LOINC long name, which becomes ``test_name``).
SHORT_TEST_NAMES = {
    "94500-6": "SARS-CoV-2 RNA",
    "94309-2": "SARS-CoV-2 RNA",
    "94558-4": "SARS-CoV-2 Ag",
    "94534-5": "SARS-CoV-2 RdRp gene",
}

MLLP_START = b"\x0b"
MLLP_END = b"\x1c\x0d"
MALFORMED_HEADER = ("file", "record_number", "field", "kind")

_HL7_SPECIAL = re.compile(r"[\\|^&~\r\n]")
_HL7_ESCAPES = (("\\", "\\E\\"), ("|", "\\F\\"), ("^", "\\S\\"), ("&", "\\T\\"), ("~", "\\R\\"),
                ("\r", "\\X0D\\"), ("\n", "\\X0A\\"))  # fmt: skip

Row = Sequence[str]


class Defects:
    """Per-format defect draws (own seeded stream) and the truth/malformed.csv rows they make."""

    __slots__ = ("count", "file", "kinds", "out", "rate", "rng")

    def __init__(self, config: SynthConfig, fmt: str, out: CsvOut) -> None:
        self.file = FILE_NAMES[fmt]
        self.kinds = MALFORMED_KINDS[fmt]
        self.rate = config.malformed_rate
        self.rng = rngmod.derived(config.seed, rngmod.MALFORMED, LAB_FORMATS.index(fmt))
        self.out = out
        self.count = 0

    def draw(self) -> str:
        """Return the kind of defect for the next record, or "" for a good record."""
        if self.rate and self.rng.random() < self.rate:
            return rngmod.pick(self.rng, self.kinds)
        return ""

    def record(self, number: int, field: str, kind: str) -> None:
        self.out.write((self.file, number, field, kind))
        self.count += 1


class FeedWriter:
    """One output format; ``records`` counts what the manifest calls its rows."""

    name: str
    defects: Defects
    records: int = 0

    def write(self, row: Row, ids: tuple[str, str, str]) -> None:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError


# -- CSV -----------------------------------------------------------------------------------------
class CsvFeed(FeedWriter):
    def __init__(self, out: CsvOut, trailer: bool, defects: Defects) -> None:
        self.name = FILE_NAMES["csv"]
        self.out = out
        self.trailer = trailer
        self.defects = defects
        self.line = 1  # physical line of the last line written; the header is line 1

    def write(self, row: Row, ids: tuple[str, str, str]) -> None:
        kind = self.defects.draw()
        line = self.line + 1
        if kind:
            row, field = self._break(row, kind)
            self.defects.record(line, field, kind)
        self.out.write(row)
        self.records += 1
        self.line = line + sum(value.count("\n") for value in row if "\n" in value)

    def _break(self, row: Row, kind: str) -> tuple[Row, str]:
        rng = self.defects.rng
        values = list(row)
        if kind == "invalid_date":
            i = COLLECTED_AT if rng.random() < 0.5 else RESULT_AT
            values[i] = f"31/02/{values[i][:4]}"
            return values, LAB_RESULTS[i]
        if kind == "unknown_result":
            values[RESULT] = "MAYBE"
            return values, "result"
        if kind == "missing_specimen_id":
            values[SPECIMEN_ID] = ""
            return values, "specimen_id"
        if kind == "wrong_field_count":
            if rng.random() < 0.5:
                return values[:-1], "record"  # the postcode column lost
            # An unquoted comma in the street line: "12, High Street" makes a 19th field.
            number, _, street = values[ADDRESS_LINE1].partition(" ")
            return [*values[:ADDRESS_LINE1], number, street, *values[ADDRESS_LINE1 + 1 :]], "record"
        if kind == "invalid_nhs_number":
            values[NHS_NUMBER] = bad_nhs_number(rng, values[NHS_NUMBER])
            return values, "nhs_number"
        raise ValueError(kind)

    def close(self) -> None:
        if self.trailer:
            self.out.write_trailer(("TRAILER", self.records))


def bad_nhs_number(rng: random.Random, number: str) -> str:
    """Return an NHS number that fails its modulus-11 check (``number`` with a wrong last digit)."""
    first_nine = number[:9] if len(number) == 10 else f"999{rng.randrange(10**6):06d}"
    check = nhs_check_digit(first_nine)
    wrong = [d for d in range(10) if d != check]
    return first_nine + str(rngmod.pick(rng, wrong))


# -- FHIR ----------------------------------------------------------------------------------------
def fhir_patient(row: Row, resource_id: str) -> dict[str, object]:
    patient: dict[str, object] = {"resourceType": "Patient", "id": resource_id}
    if row[NHS_NUMBER]:
        patient["identifier"] = [{"system": NHS_NUMBER_SYSTEM, "value": row[NHS_NUMBER]}]
    name: dict[str, object] = {}
    if row[LAST_NAME]:
        name["family"] = row[LAST_NAME]
    if row[FIRST_NAME]:
        name["given"] = [row[FIRST_NAME]]
    if name:
        patient["name"] = [name]
    telecom = []
    if row[PHONE]:
        telecom.append({"system": "phone", "value": row[PHONE]})
    if row[EMAIL]:
        telecom.append({"system": "email", "value": row[EMAIL]})
    if telecom:
        patient["telecom"] = telecom
    if row[SEX] in GENDER:
        patient["gender"] = GENDER[row[SEX]]
    if row[DATE_OF_BIRTH]:
        patient["birthDate"] = row[DATE_OF_BIRTH]
    address: dict[str, object] = {}
    lines = [row[ADDRESS_LINE1], row[ADDRESS_LINE2]] if row[ADDRESS_LINE2] else [row[ADDRESS_LINE1]]
    if row[ADDRESS_LINE1]:
        address["line"] = lines
    if row[TOWN]:
        address["city"] = row[TOWN]
    if row[POSTCODE]:
        address["postalCode"] = row[POSTCODE]
    if address:
        patient["address"] = [address]
    return patient


def fhir_specimen(row: Row, resource_id: str, patient_ref: str) -> dict[str, object]:
    specimen: dict[str, object] = {"resourceType": "Specimen", "id": resource_id}
    if row[SPECIMEN_ID]:
        specimen["identifier"] = [{"value": row[SPECIMEN_ID]}]
    specimen["subject"] = {"reference": patient_ref}
    specimen["collection"] = {"collectedDateTime": row[COLLECTED_AT]}
    return specimen


def fhir_observation(
    row: Row,
    resource_id: str,
    patient_ref: str,
    specimen_ref: str,
    contained: list[dict[str, object]] | None = None,
) -> dict[str, object]:
    obs: dict[str, object] = {"resourceType": "Observation", "id": resource_id}
    if contained:
        obs["contained"] = contained
    obs["status"] = "final"
    obs["category"] = [{"coding": [{"system": CATEGORY_SYSTEM, "code": "laboratory"}]}]
    test: dict[str, str] = {"system": LOINC, "code": row[TEST_CODE]}
    if row[TEST_NAME]:
        test["display"] = row[TEST_NAME]
    obs["code"] = {"coding": [test]}
    obs["subject"] = {"reference": patient_ref}
    obs["issued"] = row[RESULT_AT]
    obs["performer"] = [{"identifier": {"system": ODS_SYSTEM, "value": row[LAB_CODE]}}]
    code, display = RESULT_CODES[row[RESULT]]
    obs["valueCodeableConcept"] = {"coding": [{"system": SNOMED, "code": code, "display": display}]}
    if specimen_ref:
        obs["specimen"] = {"reference": specimen_ref}
    return obs


_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def _dumps(resource: dict[str, object]) -> str:
    return _JSON.encode(resource)


def _invalid_fhir_date(rng: random.Random, value: str) -> str:
    """An impossible date (31 February) or a local dd/mm/yyyy form; neither is a FHIR dateTime."""
    if rng.random() < 0.5:
        return f"{value[:4]}-02-31{value[10:]}"
    return f"{value[8:10]}/{value[5:7]}/{value[:4]} {value[11:16]}"


def _break_fhir(
    rng: random.Random,
    kind: str,
    row: Row,
    obs: dict[str, object],
    specimen: dict[str, object],
) -> str:
    """Apply a defect shared by NDJSON and Bundle to the resources; return the field it breaks."""
    if kind == "missing_specimen_reference":
        del obs["specimen"]
        return "specimen_id"
    if kind == "invalid_date":
        if rng.random() < 0.5:
            bad = _invalid_fhir_date(rng, row[COLLECTED_AT])
            specimen["collection"] = {"collectedDateTime": bad}
            return "specimen_collected_at"
        obs["issued"] = _invalid_fhir_date(rng, row[RESULT_AT])
        return "result_at"
    if kind == "unknown_result":
        code, display = UNKNOWN_RESULT_CODE
        obs["valueCodeableConcept"] = {
            "coding": [{"system": SNOMED, "code": code, "display": display}]
        }
        return "result"
    raise ValueError(kind)


class NdjsonFeed(FeedWriter):
    """One Observation per line with its Patient and Specimen contained (#patient, #specimen)."""

    def __init__(self, path: pathlib.Path, defects: Defects) -> None:
        self.name = path.name
        self.file: IO[str] = path.open("w", encoding="utf-8", newline="")
        self.defects = defects

    def write(self, row: Row, ids: tuple[str, str, str]) -> None:
        number = self.records + 1
        kind = self.defects.draw()
        patient = fhir_patient(row, "patient")
        specimen = fhir_specimen(row, "specimen", "#patient")
        contained = [patient, specimen]
        obs = fhir_observation(row, ids[2], "#patient", "#specimen", contained)
        if kind and kind != "invalid_json":
            field = _break_fhir(self.defects.rng, kind, row, obs, specimen)
            if kind == "missing_specimen_reference":
                contained.remove(specimen)
            self.defects.record(number, field, kind)
        line = _dumps(obs)
        if kind == "invalid_json":
            # Cut short, as a transfer that stopped mid-line: a proper prefix of an object.
            line = line[: 1 + self.defects.rng.randrange(len(line) - 1)]
            self.defects.record(number, "record", kind)
        self.file.write(line)
        self.file.write("\n")
        self.records = number

    def close(self) -> None:
        self.file.close()


class BundleFeed(FeedWriter):
    """One Bundle (type ``collection``), streamed: Patient, Specimen, Observation per result."""

    def __init__(
        self, path: pathlib.Path, defects: Defects, bundle_id: str, timestamp: str
    ) -> None:
        self.name = path.name
        self.file: IO[str] = path.open("w", encoding="utf-8", newline="")
        self.defects = defects
        self.file.write(
            '{"resourceType":"Bundle",'
            f'"id":"{bundle_id}","type":"collection","timestamp":"{timestamp}","entry":[\n'
        )
        self._separator = ""

    def _entry(self, resource: dict[str, object]) -> None:
        self.file.write(self._separator)
        self.file.write('{"fullUrl":"urn:uuid:')
        self.file.write(str(resource["id"]))
        self.file.write('","resource":')
        self.file.write(_dumps(resource))
        self.file.write("}")
        self._separator = ",\n"

    def write(self, row: Row, ids: tuple[str, str, str]) -> None:
        number = self.records + 1
        kind = self.defects.draw()
        patient_id, specimen_id, obs_id = ids
        patient = fhir_patient(row, patient_id)
        specimen = fhir_specimen(row, specimen_id, f"urn:uuid:{patient_id}")
        obs = fhir_observation(row, obs_id, f"urn:uuid:{patient_id}", f"urn:uuid:{specimen_id}")
        write_patient = write_specimen = True
        if kind == "unresolved_reference":
            write_patient = False  # the Observation's subject points at an entry never sent
            self.defects.record(number, "record", kind)
        elif kind:
            field = _break_fhir(self.defects.rng, kind, row, obs, specimen)
            write_specimen = kind != "missing_specimen_reference"
            self.defects.record(number, field, kind)
        if write_patient:
            self._entry(patient)
        if write_specimen:
            self._entry(specimen)
        self._entry(obs)
        self.records = number

    def close(self) -> None:
        self.file.write(f'\n],"total":{self.records}}}\n')
        self.file.close()


# -- HL7 v2.5.1 ----------------------------------------------------------------------------------
def hl7_escape(value: str) -> str:
    """Escape HL7's delimiters in a field value (``\\F\\``, ``\\S\\``, ``\\T\\``, ``\\R\\``...)."""
    if _HL7_SPECIAL.search(value) is None:
        return value
    for char, escape in _HL7_ESCAPES:
        value = value.replace(char, escape)
    return value


def hl7_time(iso: str) -> str:
    """``2020-09-13T08:30:00+00:00`` -> ``20200913083000+0000``."""
    date = f"{iso[0:4]}{iso[5:7]}{iso[8:10]}"
    return f"{date}{iso[11:13]}{iso[14:16]}{iso[17:19]}{iso[19:22]}{iso[23:25]}"


def segment(name: str, fields: dict[int, str]) -> str:
    """A segment from its numbered fields (``PID-5`` is ``fields[5]``); gaps are empty."""
    if name == "MSH":  # MSH-1 is the field separator itself
        return "|".join(["MSH", *(fields.get(i, "") for i in range(2, max(fields) + 1))])
    return "|".join([name, *(fields.get(i, "") for i in range(1, max(fields) + 1))])


# Segment templates, laid out once from their numbered fields; values are filled in per message.
_MSH = segment(
    "MSH",
    {2: "^~\\&", 3: "LIMS", 4: "{lab}", 5: "TRACEDESK", 6: "UKHSA", 7: "{issued}",
     9: "ORU^R01^ORU_R01", 10: "{control_id}", 11: "P", 12: "2.5.1"},
)  # fmt: skip
_PID = segment(
    "PID",
    {1: "1", 3: "{nhs}", 5: "{last}^{first}", 7: "{dob}", 8: "{sex}",
     11: "{line1}^{line2}^{town}^^{postcode}", 13: "{telecom}"},
)  # fmt: skip
_OBR = segment(
    "OBR",
    {1: "1", 3: "{specimen}", 4: "{code}^{short}^LN", 7: "{collected}", 22: "{issued}", 25: "F"},
)
_OBX = segment(
    "OBX",
    {1: "1", 2: "CWE", 3: "{code}^{name}^LN", 5: "{result}^{display}^SCT", 11: "F"},
)
_SPM = segment("SPM", {1: "1", 2: "{specimen}", 17: "{collected}"})


def hl7_message(
    row: Row,
    control_id: str,
    *,
    pid: bool = True,
    obr7: str | None = None,
    spm17: str | None = None,
    obx5: tuple[str, str] | None = None,
) -> list[str]:
    """The segments of one ORU^R01 message, laid out as in docs/lab-feeds.md."""
    if any(_HL7_SPECIAL.search(value) for value in row):
        row = [hl7_escape(value) for value in row]
    collected = hl7_time(row[COLLECTED_AT])
    issued = hl7_time(row[RESULT_AT])
    code = row[TEST_CODE]
    segments = [_MSH.format(lab=row[LAB_CODE], issued=issued, control_id=control_id)]
    if pid:
        telecom = []
        if row[PHONE]:
            telecom.append(f"{row[PHONE]}^PRN^PH")
        if row[EMAIL]:
            telecom.append(f"^NET^Internet^{row[EMAIL]}")
        segments.append(
            _PID.format(
                nhs=f"{row[NHS_NUMBER]}^^^NHS^NH" if row[NHS_NUMBER] else "",
                last=row[LAST_NAME],
                first=row[FIRST_NAME],
                dob=row[DATE_OF_BIRTH].replace("-", ""),
                sex=HL7_SEX.get(row[SEX], ""),
                line1=row[ADDRESS_LINE1],
                line2=row[ADDRESS_LINE2],
                town=row[TOWN],
                postcode=row[POSTCODE],
                telecom="~".join(telecom),
            )
        )
    segments.append(
        _OBR.format(
            specimen=row[SPECIMEN_ID],
            code=code,
            short=SHORT_TEST_NAMES.get(code, row[TEST_NAME]),
            collected=collected if obr7 is None else obr7,
            issued=issued,
        )
    )
    result_code, display = RESULT_CODES[row[RESULT]] if obx5 is None else obx5
    segments.append(
        _OBX.format(code=code, name=row[TEST_NAME], result=result_code, display=display)
    )
    segments.append(
        _SPM.format(specimen=row[SPECIMEN_ID], collected=collected if spm17 is None else spm17)
    )
    return segments


class Hl7Messages:
    """Builds each good message once when both HL7 files are written (same number, same text)."""

    def __init__(self) -> None:
        self._row: Row | None = None
        self._number = 0
        self._text = ""

    def good(self, row: Row, number: int) -> str:
        if row is not self._row or number != self._number:
            self._row, self._number = row, number
            self._text = "\r".join(hl7_message(row, f"M{number:09d}")) + "\r"
        return self._text


def _invalid_hl7_time(rng: random.Random, value: str) -> str:
    """An impossible date (31 February) or an ISO-style form HL7 does not use."""
    if rng.random() < 0.5:
        return f"{value[:4]}0231{value[8:]}"
    return f"{value[:4]}-{value[4:6]}-{value[6:8]} {value[8:10]}:{value[10:12]}"


class Hl7Feed(FeedWriter):
    """ORU^R01 messages, ``\\r`` after each segment: a FHS/BHS…BTS/FTS batch, or MLLP frames."""

    def __init__(
        self,
        path: pathlib.Path,
        defects: Defects,
        mllp: bool,
        batch_time: str,
        messages: Hl7Messages,
    ) -> None:
        self.name = path.name
        self.messages = messages
        self.file: IO[bytes] = path.open("wb")
        self.defects = defects
        self.mllp = mllp
        if not mllp:
            header = {2: "^~\\&", 3: "LIMS", 4: "SYNTH", 5: "TRACEDESK", 6: "UKHSA", 7: batch_time}
            fhs = "|".join(["FHS", *(header[i] for i in range(2, 8))])
            bhs = "|".join(["BHS", *(header[i] for i in range(2, 8))])
            self.file.write(f"{fhs}\r{bhs}\r".encode())

    def write(self, row: Row, ids: tuple[str, str, str]) -> None:
        number = self.records + 1
        kind = self.defects.draw()
        control_id = f"M{number:09d}"
        rng = self.defects.rng
        field = "record"
        if kind == "missing_pid":
            text = "\r".join(hl7_message(row, control_id, pid=False)) + "\r"
        elif kind == "invalid_date":
            bad = _invalid_hl7_time(rng, hl7_time(row[COLLECTED_AT]))
            # OBR-7 is all there is: SPM-17 (which would win) left empty.
            text = "\r".join(hl7_message(row, control_id, obr7=bad, spm17="")) + "\r"
            field = "specimen_collected_at"
        elif kind == "unknown_result":
            text = "\r".join(hl7_message(row, control_id, obx5=UNKNOWN_RESULT_CODE)) + "\r"
            field = "result"
        else:
            text = self.messages.good(row, number)
        if kind == "truncated":
            # Stops somewhere between the start of OBR and the first characters of OBX-5, so
            # the result is never complete; the message still ends with a segment terminator.
            obr = text.index("\rOBR|") + 5
            obx5 = text.index("\rOBX|") + 1
            for _ in range(5):  # OBX|1|CWE|code||value: OBX-5 starts after the fifth "|"
                obx5 = text.index("|", obx5) + 1
            text = text[: rng.randrange(obr, obx5 + 3)]
            if not text.endswith("\r"):
                text += "\r"
        if kind:
            self.defects.record(number, field, kind)
        data = text.encode("utf-8")
        if self.mllp:
            data = MLLP_START + data + MLLP_END
        self.file.write(data)
        self.records = number

    def close(self) -> None:
        if not self.mllp:
            self.file.write(f"BTS|{self.records}\rFTS|1\r".encode())
        self.file.close()


# -- the feed ------------------------------------------------------------------------------------
class LabFeed:
    """Every enabled format of the lab feed; ``write`` takes one canonical row per result."""

    def __init__(
        self,
        config: SynthConfig,
        out_dir: pathlib.Path,
        csv_out: CsvOut | None,
        malformed: CsvOut,
        batch_time: str,
    ) -> None:
        formats = config.lab_formats
        self.writers: list[FeedWriter] = []
        if "csv" in formats:
            if csv_out is None:
                raise ValueError("the CSV lab feed needs its CsvOut")
            self.writers.append(
                CsvFeed(csv_out, config.csv_trailer, Defects(config, "csv", malformed))
            )
        if "fhir-ndjson" in formats:
            self.writers.append(
                NdjsonFeed(
                    out_dir / FILE_NAMES["fhir-ndjson"], Defects(config, "fhir-ndjson", malformed)
                )
            )
        if "fhir-bundle" in formats:
            self.writers.append(
                BundleFeed(
                    out_dir / FILE_NAMES["fhir-bundle"],
                    Defects(config, "fhir-bundle", malformed),
                    _uuid(rngmod.derived(config.seed, rngmod.FHIR_IDS, 1)),
                    batch_time_iso(batch_time),
                )
            )
        messages = Hl7Messages()
        for fmt, mllp in (("hl7", False), ("hl7-mllp", True)):
            if fmt in formats:
                self.writers.append(
                    Hl7Feed(
                        out_dir / FILE_NAMES[fmt],
                        Defects(config, fmt, malformed),
                        mllp,
                        batch_time,
                        messages,
                    )
                )
        self._fhir = "fhir-ndjson" in formats or "fhir-bundle" in formats
        self._ids_rng = rngmod.derived(config.seed, rngmod.FHIR_IDS)
        self._no_ids = ("", "", "")

    def write(self, row: Row) -> None:
        ids = self._no_ids
        if self._fhir:
            r = self._ids_rng
            ids = (_uuid(r), _uuid(r), _uuid(r))
        for writer in self.writers:
            writer.write(row, ids)

    def close(self) -> None:
        for writer in self.writers:
            writer.close()

    def counts(self) -> dict[str, int]:
        """Records per file (not the CSV, which the run's Outputs counts itself)."""
        return {w.name: w.records for w in self.writers if not isinstance(w, CsvFeed)}

    def malformed_counts(self) -> dict[str, int]:
        """Defects injected per file (every written feed file, zeros included)."""
        return {w.name: w.defects.count for w in self.writers}


def batch_time_iso(hl7: str) -> str:
    """``20201031000000+0000`` -> ``2020-10-31T00:00:00+00:00``."""
    date = f"{hl7[0:4]}-{hl7[4:6]}-{hl7[6:8]}"
    return f"{date}T{hl7[8:10]}:{hl7[10:12]}:{hl7[12:14]}{hl7[14:17]}:{hl7[17:19]}"


def _uuid(rng: random.Random) -> str:
    """A version-4 UUID from a seeded stream (deterministic, unlike ``uuid.uuid4``)."""
    h = f"{rng.getrandbits(128) & ~(0xF << 76) & ~(0x3 << 62) | (0x4 << 76) | (0x2 << 62):032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
