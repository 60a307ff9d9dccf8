"""Configuration of the synthetic outbreak: every knob, its default and its source."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

GENERATOR_VERSION = "1.1.0"

MIN_PEOPLE = 1_000
MAX_PEOPLE = 5_000_000

LAB_FORMATS: tuple[str, ...] = ("csv", "fhir-ndjson", "fhir-bundle", "hl7", "hl7-mllp")
"""The lab-feed formats of docs/lab-feeds.md, in the order they are written."""


def parse_formats(text: str) -> tuple[str, ...]:
    """``"csv,hl7"`` -> ``("csv", "hl7")``; unknown names raise ValueError."""
    names = tuple(name.strip() for name in text.split(",") if name.strip())
    unknown = [name for name in names if name not in LAB_FORMATS]
    if unknown:
        raise ValueError(
            f"unknown lab format(s) {', '.join(unknown)}; choose from {', '.join(LAB_FORMATS)}"
        )
    return names


@dataclass(frozen=True, slots=True)
class ErrorRates:
    """How often a case's report of a contact differs from the truth (each a probability)."""

    name_typo: float = 0.04
    """One typo (swap, drop, double or wrong letter) in the first or last name, per contact."""
    nickname: float = 0.30
    """Nickname instead of the given name, among contacts whose name has one (Robert → Bob)."""
    dob_missing_household: float = 0.10
    """No date of birth given for a household member."""
    dob_missing_other: float = 0.65
    """No date of birth given for anyone outside the household."""
    dob_day_month_swap: float = 0.04
    """Day and month swapped, among given dates whose day (<= 12) differs from the month."""
    dob_wrong_year: float = 0.03
    """Year off by one to three, among given dates."""
    address_missing_household: float = 0.05
    """Household member's address left blank."""
    address_missing_other: float = 0.80
    """Non-household contact's address left blank."""
    address_partial: float = 0.15
    """Among given addresses: only the street line, or a postcode cut to its outward code."""
    phone_missing_household: float = 0.10
    """No phone for a household member (a child's parent-phone substitution counts as given)."""
    phone_missing_other: float = 0.30
    """No phone for a contact outside the household."""
    parent_phone_for_child: float = 0.80
    """A parent's phone given for a household child under 16."""
    shared_family_email: float = 0.30
    """Per interview: the case's own email given for all household members."""
    email_missing: float = 0.55
    """No email given for a contact."""
    sex_missing: float = 0.05
    """Sex left blank."""
    attendance_omitted: float = 0.20
    """A true attendance the case does not mention."""
    household_omitted: float = 0.10
    """A household member the case does not mention (most, not all, are reported)."""
    phone_reformatted: float = 0.15
    """Phone given as 07700900123 or +44 7700 900123 instead of 07700 900123 (not an error)."""
    lab_phone_missing: float = 0.04
    """Lab result without the person's phone."""
    lab_email_missing: float = 0.20
    """Lab result without the person's email."""
    lab_nhs_missing: float = 0.03
    """Lab result without the person's NHS number."""


@dataclass(frozen=True, slots=True)
class SynthConfig:
    """Everything that determines a synthetic outbreak; the same config gives the same bytes."""

    people: int = 5_000
    days: int = 60
    seed: int = 1
    start: dt.date = dt.date(2020, 9, 1)

    # Transmission (see docs/synth.md for the sources).
    r_target: float = 1.7
    """Mean secondary infections per infection in a fully susceptible population (all routes)."""
    household_sar: float = 0.166
    """Household secondary attack rate (Madewell et al. 2020)."""
    dispersion_k: float = 0.3
    """Gamma shape of individual infectiousness outside the household (Lloyd-Smith; k 0.1-0.5)."""
    asymptomatic_share: float = 0.25
    """Share of infections that never develop symptoms (20-30%)."""
    asymptomatic_relative_infectiousness: float = 0.5
    """Infectiousness of an asymptomatic infection relative to a symptomatic one."""
    incubation_median_days: float = 5.1
    """Log-normal incubation period median (Lauer et al. 2020)."""
    incubation_log_sd: float = 0.418
    """Log-normal incubation period sigma (Lauer et al. 2020)."""
    generation_mean_days: float = 5.0
    """Mean generation interval; with the incubation period gives a serial interval ~5 days."""
    generation_sd_days: float = 1.9
    """Standard deviation of the generation interval (gamma)."""
    care_home_multiplier: float = 1.5
    """Infectiousness of a care-home resident inside the home relative to the community."""
    seed_fraction: float = 0.003
    """Initial infections per person (at least 3), spread over the first five days."""
    import_rate: float = 1e-4
    """Imported infections per person per day (travel, visitors)."""

    # Testing.
    test_uptake: float = 0.5
    """Share of symptomatic infections tested; the real 2020 figure was ~18% (Smith et al. 2021)."""
    asymptomatic_test_rate: float = 0.05
    """Share of asymptomatic infections tested (contacts, workplace or care-home testing)."""
    sensitivity: float = 0.92
    """Probability that a specimen from an infected person is positive."""
    void_rate: float = 0.015
    """Share of specimens with a VOID result; most are re-tested."""
    retest_positive_rate: float = 0.02
    """Share of positive cases who take a second (confirmatory) test."""
    background_test_rate: float = 0.003
    """Tests per person per day among uninfected people with other symptoms (all negative)."""

    # Interviews.
    interview_reach: float = 0.85
    """Share of positive cases reached and interviewed (84.9% England, autumn 2020)."""
    errors: ErrorRates = field(default_factory=ErrorRates)

    # Contact details.
    wide_phone_range: bool = False
    """Draw phones from 07700 9xxxxx instead of Ofcom's drama range 07700 900000-900999 only."""

    # Lab feed formats (docs/lab-feeds.md).
    lab_formats: tuple[str, ...] = LAB_FORMATS
    """Which lab-feed files to write: any of csv, fhir-ndjson, fhir-bundle, hl7, hl7-mllp."""
    csv_trailer: bool = False
    """End lab_results.csv with a declared-count row ``TRAILER,<n>``."""
    malformed_rate: float = 0.0
    """Share of lab-feed records replaced by a broken one, drawn independently per format."""

    def __post_init__(self) -> None:
        if not MIN_PEOPLE <= self.people <= MAX_PEOPLE:
            raise ValueError(f"people must be between {MIN_PEOPLE} and {MAX_PEOPLE}")
        if not 1 <= self.days <= 366:
            raise ValueError("days must be between 1 and 366")
        if self.seed < 0:
            raise ValueError("seed must be a non-negative integer")
        for name in (
            "household_sar",
            "asymptomatic_share",
            "asymptomatic_relative_infectiousness",
            "test_uptake",
            "asymptomatic_test_rate",
            "sensitivity",
            "void_rate",
            "retest_positive_rate",
            "background_test_rate",
            "interview_reach",
            "malformed_rate",
        ):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1")
        for err in dataclasses.fields(ErrorRates):
            if not 0.0 <= getattr(self.errors, err.name) <= 1.0:
                raise ValueError(f"errors.{err.name} must be between 0 and 1")
        if self.r_target <= 0 or self.dispersion_k <= 0:
            raise ValueError("r_target and dispersion_k must be positive")
        if isinstance(self.lab_formats, str):
            raise ValueError("lab_formats must be a sequence of format names, not a string")
        unknown = sorted(set(self.lab_formats) - set(LAB_FORMATS))
        if unknown:
            raise ValueError(
                f"unknown lab format(s) {', '.join(unknown)}; choose from {', '.join(LAB_FORMATS)}"
            )
        # Canonical form: the contract's order, no repeats (so equal choices compare equal).
        wanted = set(self.lab_formats)
        object.__setattr__(self, "lab_formats", tuple(f for f in LAB_FORMATS if f in wanted))

    def to_json(self) -> dict[str, Any]:
        """Return the config as JSON-ready values (dates in ISO 8601)."""
        data = dataclasses.asdict(self)
        data["start"] = self.start.isoformat()
        data["lab_formats"] = list(self.lab_formats)
        return data
