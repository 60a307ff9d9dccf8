"""The contract's example result (docs/lab-feeds.md) as canonical fields, shared by the
parser tests of every format so that each states only how its format differs."""

from __future__ import annotations

CONTRACT_EXAMPLE: dict[str, str] = {
    "lab_code": "LAB-LEEDS-01",
    "specimen_id": "LD000001",
    "test_code": "94500-6",
    "test_name": "SARS-CoV-2 RNA",
    "result": "POSITIVE",
    "specimen_collected_at": "2020-09-13T08:30:00+00:00",
    "result_at": "2020-09-14T10:22:31+00:00",
    "nhs_number": "9434765919",
    "first_name": "Ada",
    "last_name": "Lovelace",
    "date_of_birth": "1990-12-10",
    "sex": "female",
    "phone": "07700900123",
    "email": "ada@example.com",
    "address_line1": "12 High Street",
    "address_line2": "Flat 2",
    "town": "Leeds",
    "postcode": "LS6 3AB",
    "uprn": "",  # CSV only: FHIR and HL7 feeds leave it empty
}


def example(**overrides: str) -> dict[str, str]:
    """Return the contract example with some fields changed."""
    return {**CONTRACT_EXAMPLE, **overrides}
