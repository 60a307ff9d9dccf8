"""Export trained match parameters in the JSON contract the online scorer reads (no Django).

Contract (version 1)::

    {"version": 1,
     "thresholds": {"link": <weight>, "review": <weight>},
     "fields": {<field>: {"levels": {<label>: {"m": <0..1>, "u": <0..1>}}}}}

Weights are sums of per-field log2(m/u) with no prior: the scorer compares one new record
against a register whose size differs from this batch, so it adds its own prior.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tracedesk.lib.matching import DEFAULT_PARAMETERS, Parameters

from .splink_model import FIELD_LEVELS, DedupeResult, match_weight

CONTRACT_VERSION = 1
# Pairs scoring between this probability and the link threshold (under the batch prior) go
# to a human; below it they are left alone.
DEFAULT_REVIEW_PROBABILITY = 0.05
# DuckDB sums in parallel, so EM can differ in the last bits between identical runs;
# eight significant digits keep the export byte-for-byte reproducible for a given seed.
_SIGNIFICANT_DIGITS = 8


def _rounded(probability: float) -> float:
    return float(f"{probability:.{_SIGNIFICANT_DIGITS}g}")


def export_parameters(
    result: DedupeResult, *, review_probability: float = DEFAULT_REVIEW_PROBABILITY
) -> dict[str, Any]:
    """Return the trained model as a version-1 parameter contract dict."""
    if not 0.0 < review_probability < result.threshold:
        raise ValueError(
            f"review probability must be between 0 and the link threshold {result.threshold}"
        )
    prior = result.probability_two_random_records_match
    fields: dict[str, Any] = {}
    for name, labels in FIELD_LEVELS.items():
        levels = result.parameters[name]
        fields[name] = {
            "levels": {
                label: {"m": _rounded(levels[label].m), "u": _rounded(levels[label].u)}
                for label in labels
            }
        }
    # Fields and levels the batch model does not compare (the house line of an address, a
    # nickname) keep the online scorer's starting values, so the document is complete for it.
    for name, defaults in DEFAULT_PARAMETERS.fields.items():
        levels = fields.setdefault(name, {"levels": {}})["levels"]
        for label, lv in defaults.items():
            levels.setdefault(label, {"m": lv.m, "u": lv.u})
    return {
        "version": CONTRACT_VERSION,
        "thresholds": {
            "link": round(match_weight(result.threshold, prior), 3),
            "review": round(match_weight(review_probability, prior), 3),
        },
        "fields": fields,
    }


def validate_parameters(document: dict[str, Any]) -> None:
    """Raise ValueError unless the online scorer (``tracedesk.lib.matching``) accepts
    ``document``: every field and level it compares, 0 < m,u <= 1, finite thresholds."""
    if document.get("version") != CONTRACT_VERSION:
        raise ValueError(f"unsupported parameter version {document.get('version')!r}")
    Parameters.from_dict(document)


def write_parameters(
    path: str | Path,
    result: DedupeResult,
    *,
    review_probability: float = DEFAULT_REVIEW_PROBABILITY,
) -> dict[str, Any]:
    """Write the parameter contract to ``path`` as JSON and return it."""
    document = export_parameters(result, review_probability=review_probability)
    validate_parameters(document)
    Path(path).write_text(json.dumps(document, indent=2, sort_keys=False) + "\n", encoding="utf-8")
    return document
