"""Command-line glue: ``tracedesk synth --people N --days D --seed S --out DIR``.

Lab feed options: ``--lab-formats csv,fhir-ndjson,fhir-bundle,hl7,hl7-mllp`` (default: all),
``--csv-trailer`` and ``--malformed-rate R``.
"""

from __future__ import annotations

import argparse
import datetime as dt
from typing import Any

from .config import LAB_FORMATS, MAX_PEOPLE, MIN_PEOPLE, SynthConfig, parse_formats

_DEFAULTS = SynthConfig()


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the generator's options to a parser (argparse or a Django command's)."""
    parser.add_argument(
        "--people", type=int, default=_DEFAULTS.people,
        help=f"population size, {MIN_PEOPLE:,} to {MAX_PEOPLE:,} (default {_DEFAULTS.people})",
    )  # fmt: skip
    parser.add_argument(
        "--days", type=int, default=_DEFAULTS.days,
        help=f"days simulated (default {_DEFAULTS.days})",
    )  # fmt: skip
    parser.add_argument(
        "--seed", type=int, default=_DEFAULTS.seed,
        help="random seed; the same options give byte-identical files",
    )  # fmt: skip
    parser.add_argument(
        "--start", type=dt.date.fromisoformat, default=_DEFAULTS.start,
        help=f"first simulated day, ISO 8601 (default {_DEFAULTS.start.isoformat()})",
    )  # fmt: skip
    parser.add_argument(
        "--test-uptake", type=float, default=_DEFAULTS.test_uptake,
        help=f"share of symptomatic infections tested (default {_DEFAULTS.test_uptake}; "
        "England 2020: ~0.18)",
    )  # fmt: skip
    parser.add_argument(
        "--r-target", type=float, default=_DEFAULTS.r_target,
        help=f"mean secondary infections per infection (default {_DEFAULTS.r_target})",
    )  # fmt: skip
    parser.add_argument(
        "--lab-formats", type=_formats, default=_DEFAULTS.lab_formats,
        help=f"comma-separated lab-feed formats to write, from {','.join(LAB_FORMATS)} "
        "(default: all)",
    )  # fmt: skip
    parser.add_argument(
        "--csv-trailer", action="store_true", default=_DEFAULTS.csv_trailer,
        help="end lab_results.csv with a declared-count row TRAILER,<n>",
    )  # fmt: skip
    parser.add_argument(
        "--malformed-rate", type=float, default=_DEFAULTS.malformed_rate,
        help="share of lab-feed records broken on purpose, per format (listed in "
        f"truth/malformed.csv; default {_DEFAULTS.malformed_rate})",
    )  # fmt: skip
    parser.add_argument("--out", required=True, help="output directory")


def _formats(text: str) -> tuple[str, ...]:
    try:
        return parse_formats(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def config_from_options(options: dict[str, Any]) -> SynthConfig:
    """Build a SynthConfig from parsed options (``vars(args)`` or a Django command's options)."""
    start = options.get("start") or _DEFAULTS.start
    if isinstance(start, str):
        start = dt.date.fromisoformat(start)
    return SynthConfig(
        people=int(options.get("people") or _DEFAULTS.people),
        days=int(options.get("days") or _DEFAULTS.days),
        seed=int(options["seed"]) if options.get("seed") is not None else _DEFAULTS.seed,
        start=start,
        test_uptake=_float(options, "test_uptake", _DEFAULTS.test_uptake),
        r_target=_float(options, "r_target", _DEFAULTS.r_target),
        lab_formats=_lab_formats(options.get("lab_formats")),
        csv_trailer=bool(options.get("csv_trailer") or False),
        malformed_rate=_float(options, "malformed_rate", _DEFAULTS.malformed_rate),
    )


def _lab_formats(value: object) -> tuple[str, ...]:
    if value is None:
        return _DEFAULTS.lab_formats
    if isinstance(value, str):
        return parse_formats(value)
    if isinstance(value, list | tuple):
        return tuple(str(v) for v in value)
    raise ValueError(f"lab_formats: expected a comma-separated string or a list, not {value!r}")


def _float(options: dict[str, Any], key: str, default: float) -> float:
    value = options.get(key)
    return default if value is None else float(value)
