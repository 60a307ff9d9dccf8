"""The m and u probabilities, thresholds and prior of the matcher, and their JSON form.

For each field and agreement level, ``m`` is the probability of seeing that level
when two records are the same person, and ``u`` when they are two different people.
The JSON form is a contract with the trainer (Splink) that estimates them::

    {"version": 1,
     "thresholds": {"link": 12.0, "review": 4.0},
     "prior": 0.0001,                       # optional
     "fields": {"first_name": {"levels": {"exact": {"m": 0.9, "u": 0.004}, ...}}, ...}}

Every field of ``comparisons.LEVELS`` must be present with all its levels.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tracedesk.lib.matching.comparisons import LEVELS

VERSION = 1


@dataclass(frozen=True, slots=True)
class Level:
    """The m and u probabilities of one agreement level."""

    m: float
    u: float

    @property
    def weight(self) -> float:
        """Return the match weight, log2(m/u)."""
        return math.log2(self.m / self.u)


@dataclass(frozen=True)
class Parameters:
    """Everything the scorer needs besides the two records."""

    fields: Mapping[str, Mapping[str, Level]]
    link: float
    review: float
    prior: float | None = None
    """Probability that two records picked at random are the same person (lambda);
    when given, its weight log2(lambda / (1 - lambda)) is added to every total."""
    version: int = field(default=VERSION)

    def __post_init__(self) -> None:
        _validate(self)

    @property
    def prior_weight(self) -> float:
        """Return the weight of the prior, 0 when there is none."""
        if self.prior is None:
            return 0.0
        return math.log2(self.prior / (1 - self.prior))

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON-ready form of the parameters."""
        data: dict[str, Any] = {
            "version": self.version,
            "thresholds": {"link": self.link, "review": self.review},
        }
        if self.prior is not None:
            data["prior"] = self.prior
        data["fields"] = {
            name: {
                "levels": {
                    label: {"m": self.fields[name][label].m, "u": self.fields[name][label].u}
                    for label in labels
                }
            }
            for name, labels in LEVELS.items()
        }
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Parameters:
        """Build parameters from their JSON form; raise ValueError on anything invalid."""
        if not isinstance(data, Mapping):
            raise ValueError("parameters must be a JSON object")
        if data.get("version") != VERSION:
            raise ValueError(f"unsupported parameters version {data.get('version')!r}")
        thresholds = data.get("thresholds")
        if not isinstance(thresholds, Mapping):
            raise ValueError("parameters need 'thresholds' with 'link' and 'review'")
        fields_data = data.get("fields")
        if not isinstance(fields_data, Mapping):
            raise ValueError("parameters need 'fields'")
        parsed: dict[str, dict[str, Level]] = {}
        for name, spec in fields_data.items():
            levels = spec.get("levels") if isinstance(spec, Mapping) else None
            if not isinstance(levels, Mapping):
                raise ValueError(f"field {name!r}: needs 'levels'")
            parsed[name] = {}
            for label, probabilities in levels.items():
                if not isinstance(probabilities, Mapping):
                    raise ValueError(f"field {name!r}, level {label!r}: needs 'm' and 'u'")
                parsed[name][label] = Level(
                    m=_number(probabilities.get("m"), f"field {name!r}, level {label!r}: m"),
                    u=_number(probabilities.get("u"), f"field {name!r}, level {label!r}: u"),
                )
        prior = data.get("prior")
        return cls(
            fields=parsed,
            link=_number(thresholds.get("link"), "thresholds: link"),
            review=_number(thresholds.get("review"), "thresholds: review"),
            prior=None if prior is None else _number(prior, "prior"),
        )

    def to_json(self) -> str:
        """Return the parameters as JSON text."""
        return json.dumps(self.to_dict(), indent=2)

    @classmethod
    def from_json(cls, text: str) -> Parameters:
        """Parse parameters from JSON text; raise ValueError on anything invalid."""
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise ValueError(f"parameters are not valid JSON: {error}") from error
        return cls.from_dict(data)

    def save(self, path: Path | str) -> None:
        """Write the parameters to a JSON file."""
        Path(path).write_text(self.to_json() + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: Path | str) -> Parameters:
        """Read parameters from a JSON file; raise ValueError on anything invalid."""
        return cls.from_json(Path(path).read_text(encoding="utf-8"))


def _number(value: object, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{where} must be a number, not {value!r}")
    if not math.isfinite(value):
        raise ValueError(f"{where} must be finite, not {value!r}")
    return float(value)


def _validate(params: Parameters) -> None:
    if params.version != VERSION:
        raise ValueError(f"unsupported parameters version {params.version!r}")
    for name in params.fields:
        if name not in LEVELS:
            raise ValueError(f"field {name!r}: unknown field (known: {', '.join(LEVELS)})")
    for name, labels in LEVELS.items():
        if name not in params.fields:
            raise ValueError(f"field {name!r}: missing")
        levels = params.fields[name]
        for label in levels:
            if label not in labels:
                raise ValueError(
                    f"field {name!r}, level {label!r}: unknown level (known: {', '.join(labels)})"
                )
        for label in labels:
            if label not in levels:
                raise ValueError(f"field {name!r}, level {label!r}: missing")
            for which in ("m", "u"):
                p = getattr(levels[label], which)
                if not 0 < p <= 1:
                    raise ValueError(
                        f"field {name!r}, level {label!r}: {which} must be in (0, 1], not {p!r}"
                    )
    if params.review > params.link:
        raise ValueError(f"thresholds: review {params.review} is above link {params.link}")
    if params.prior is not None and not 0 < params.prior < 1:
        raise ValueError(f"prior must be in (0, 1), not {params.prior!r}")


def _levels(**levels: tuple[float, float]) -> dict[str, Level]:
    # "else" is a keyword, so callers write else_.
    return {label.rstrip("_"): Level(m, u) for label, (m, u) in levels.items()}


_NAME = {"jw92": (0.05, 0.002), "jw80": (0.03, 0.015), "phonetic": (0.01, 0.004)}

DEFAULT_PARAMETERS = Parameters(
    fields={
        "first_name": _levels(
            exact=(0.83, 0.01), nickname=(0.04, 0.002), else_=(0.04, 0.967), **_NAME
        ),
        "last_name": _levels(exact=(0.88, 0.005), else_=(0.03, 0.974), **_NAME),
        "dob": _levels(
            exact=(0.88, 0.0003),
            swapped=(0.01, 0.00005),
            year_month=(0.03, 0.001),
            typo=(0.05, 0.001),
            else_=(0.03, 0.99765),
        ),
        "sex": _levels(exact=(0.97, 0.5), else_=(0.03, 0.5)),
        "phone": _levels(exact=(0.7, 0.0005), else_=(0.3, 0.9995)),
        "email": _levels(exact=(0.7, 0.0002), else_=(0.3, 0.9998)),
        "address_line1": _levels(exact=(0.6, 0.003), similar=(0.15, 0.005), else_=(0.25, 0.992)),
        "postcode": _levels(exact=(0.75, 0.002), district=(0.12, 0.05), else_=(0.13, 0.948)),
        "nhs_number": _levels(exact=(0.95, 0.00001), else_=(0.05, 0.99999)),
    },
    link=12.0,
    review=4.0,
)
"""Starting values before any training, set by hand from the likely error rates of
entered data (m) and the chance agreement between different people in a town (u).
Replace them with trained parameters (``Parameters.load``) as soon as there are some."""
