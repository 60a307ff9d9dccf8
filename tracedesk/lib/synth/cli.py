"""Command-line glue: ``tracedesk synth --people N --days D --seed S --out DIR``."""

from __future__ import annotations

import argparse
import datetime as dt
from typing import Any

from .config import MAX_PEOPLE, MIN_PEOPLE, SynthConfig

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
    parser.add_argument("--out", required=True, help="output directory")


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
    )


def _float(options: dict[str, Any], key: str, default: float) -> float:
    value = options.get(key)
    return default if value is None else float(value)
