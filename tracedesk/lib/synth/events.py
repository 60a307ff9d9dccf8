"""Records that live only while an infection or a specimen is in flight."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import NamedTuple


class Exposure(NamedTuple):
    """A non-household exposure caused by an infection (whether or not it infected)."""

    target: int
    day: int
    route: str
    setting_id: str


@dataclass(slots=True)
class Infection:
    pid: int
    infected_on: int
    infector: int
    route: str
    setting_id: str
    symptomatic: bool
    onset: int
    """Day of symptom onset, or -1 for an asymptomatic infection."""
    exposures: list[Exposure] = field(default_factory=list)
    tested_on: int = -1
    specimen_id: str = ""
    """The first specimen taken for this infection, if any."""
    reported: bool = False
    """Whether a positive result has already led to the interview decision."""


@dataclass(slots=True)
class Specimen:
    specimen_id: str
    pid: int
    lab_code: str
    test_code: str
    collected_at: dt.datetime
    result_at: dt.datetime
    result: str
    infection: Infection | None
    retest: bool = False
