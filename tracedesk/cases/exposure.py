"""How a contact was exposed to a case (a value shared by cases and tracing)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from tracedesk.places.models import Setting


@dataclass(frozen=True)
class Exposure:
    """How a contact was exposed to a case."""

    contact_type: str
    last_exposure_date: dt.date
    proximity: str = "other"
    duration_minutes: int | None = None
    setting: Setting | None = None
