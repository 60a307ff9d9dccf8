"""Command line for batch deduplication: ``dedupe FILE.csv --out clusters.csv`` (no Django)."""

from __future__ import annotations

import argparse
import csv
import logging
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from .io import parse_mapping, read_people
from .parameters import write_parameters
from .splink_model import BACKENDS, dedupe

EXIT_OK = 0
EXIT_BAD_INPUT = 2


class _ArgumentError(Exception):
    """argparse rejected the command line (it has already printed why)."""

    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


class _Parser(argparse.ArgumentParser):
    def exit(self, status: int = 0, message: str | None = None) -> None:  # type: ignore[override]
        # Return from main() with the status instead of raising SystemExit in the caller.
        if message:
            self._print_message(message, sys.stderr)
        raise _ArgumentError(status)


def _probability(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0.0 < value < 1.0:
        raise argparse.ArgumentTypeError(f"{text} is not a match probability between 0 and 1")
    return value


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser for the ``dedupe`` command."""
    parser = _Parser(prog="tracedesk people", description="Batch tools for people records.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    command = commands.add_parser(
        "dedupe",
        help="cluster likely duplicate people in a CSV file",
        description=(
            "Train a Splink model on a CSV of people and write one cluster id per record. "
            "Nothing is merged: review the clusters before acting on them."
        ),
    )
    command.add_argument("file", metavar="FILE.csv", help="CSV of people with a header row")
    command.add_argument("--out", required=True, help="where to write record_id,cluster_id")
    command.add_argument(
        "--map",
        dest="mapping",
        default="",
        metavar="SRC=FIELD,...",
        help="rename headers to standard fields, e.g. forename=first_name,surname=last_name",
    )
    command.add_argument(
        "--id-column", help="column holding the record id (default record_id, else row number)"
    )
    command.add_argument("--threshold", type=_probability, default=0.9)
    command.add_argument("--backend", choices=BACKENDS, default="duckdb")
    command.add_argument("--seed", type=int, default=1, help="seed for u sampling (default 1)")
    command.add_argument("--parameters-out", help="also write trained parameters as JSON")
    return parser


def _fail(message: str) -> int:
    print(f"dedupe: error: {message}", file=sys.stderr)
    return EXIT_BAD_INPUT


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``dedupe FILE.csv --out clusters.csv [options]``; return the exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    except _ArgumentError as error:
        return error.status
    started = time.monotonic()
    source = Path(args.file)
    if not source.is_file():
        return _fail(f"input file {args.file!r} does not exist")
    out = Path(args.out)
    if not out.parent.is_dir():
        return _fail(f"output directory {str(out.parent)!r} does not exist")
    try:
        mapping = parse_mapping(args.mapping)
        people = read_people(source, mapping=mapping, id_column=args.id_column)
    except UnicodeDecodeError:
        return _fail(f"{args.file!r} is not UTF-8 text")
    except (ValueError, csv.Error) as error:
        return _fail(str(error))
    # Splink logs every training step at INFO; the summary below is what an operator needs.
    logging.getLogger("splink").setLevel(logging.ERROR)
    try:
        result = dedupe(
            people.records, backend=args.backend, threshold=args.threshold, seed=args.seed
        )
    except ValueError as error:
        return _fail(str(error))
    with open(out, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["record_id", "cluster_id"])
        writer.writerows(result.clusters)
    if args.parameters_out:
        write_parameters(args.parameters_out, result)
    untrained = sum(
        1 for levels in result.parameters.values() for level in levels.values() if not level.trained
    )
    print(
        f"records: {len(result.clusters)}\n"
        f"clusters: {result.cluster_count}\n"
        f"records in multi-record clusters: {result.records_in_multi_record_clusters}\n"
        f"pairs held back as two members of one household: {result.held_back}\n"
        f"unreadable dates of birth (left empty): {people.bad_dob_count}\n"
        f"levels left at default parameters: {untrained}\n"
        f"seconds: {time.monotonic() - started:.1f}"
    )
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
