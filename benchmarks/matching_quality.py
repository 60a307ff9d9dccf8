"""Person matching quality and speed on synthetic people with known duplicates.

    .venv/bin/python benchmarks/matching_quality.py --people 5000 --duplicates 1000

For each noise level (data-entry errors per duplicate: a transposed surname or first
name, a birth-year typo, a missing phone, upper case; plus moves, missing NHS numbers
and reformatted phones and postcodes), measures:

* batch deduplication (Splink on DuckDB, ``tracedesk.lib.dedupe``): pairwise precision,
  recall and F1 against the truth, and seconds;
* the online scorer (``tracedesk.lib.matching`` with the parameters the batch run just
  trained): every record is matched against the records before it that share a
  blocking key, as it would be on arrival. A duplicate "found" is one linked or queued
  for review to a record of the same person; "wrong links" are automatic links to a
  different person. Reports the time per record (median and p99).

People are Faker en_GB (seeded), with one household in eight sharing surname, address
and phone: the hard negatives. No database is involved.
"""

from __future__ import annotations

import argparse
import csv
import io
import statistics
import time
from collections import defaultdict

from tracedesk.lib.dedupe.io import read_people_rows
from tracedesk.lib.dedupe.parameters import export_parameters
from tracedesk.lib.dedupe.splink_model import dedupe
from tracedesk.lib.dedupe.synthetic import HEADER, make_people, pair_scores
from tracedesk.lib.matching import Parameters, Prepared, blocking_keys, decide, match, prepare


def write_csv_to(handle: io.StringIO, rows: list[dict[str, str]]) -> None:
    """The rows as the CSV a laboratory or a register would send (normalised on reading)."""
    writer = csv.DictWriter(handle, fieldnames=list(HEADER), extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)


def _online(
    rows: list[dict[str, str]], params: Parameters
) -> tuple[float, float, int, list[float]]:
    """Match each record against the earlier ones sharing a key: (recall, wrong-link share,
    links, seconds per record)."""
    index: dict[str, list[int]] = defaultdict(list)
    prepared: list[Prepared] = []
    found = wrong = links = duplicates = 0
    seen_people: set[str] = set()
    timings = []
    for number, row in enumerate(rows):
        started = time.perf_counter()
        record = prepare({**row, "nhs_number": row.get("national_id", "")})
        keys = blocking_keys(record)
        candidates = sorted({c for key in keys for c in index[key]})
        decision = decide(match(record, [prepared[c] for c in candidates], params))
        timings.append(time.perf_counter() - started)
        best = candidates[decision.best.index] if decision.best else None
        if row["truth"] in seen_people:
            duplicates += 1
            if (
                best is not None
                and decision.outcome != "new"
                and rows[best]["truth"] == row["truth"]
            ):
                found += 1
        if decision.outcome == "link" and best is not None:
            links += 1
            wrong += rows[best]["truth"] != row["truth"]
        seen_people.add(row["truth"])
        prepared.append(record)
        for key in keys:
            index[key].append(number)
    return found / max(duplicates, 1), wrong / max(links, 1), links, timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=5000)
    parser.add_argument("--duplicates", type=int, default=1000)
    parser.add_argument("--errors", default="1,2,3", help="errors per duplicate, comma-separated")
    args = parser.parse_args()
    print(f"{args.people:,} people + {args.duplicates:,} duplicates")
    print(
        f"{'errors':>6} {'batch P':>8} {'batch R':>8} {'batch F1':>8} {'batch s':>8}"
        f" {'online found':>12} {'wrong links':>11} {'median ms':>9} {'p99 ms':>7}"
    )
    for errors in (int(e) for e in args.errors.split(",")):
        rows = make_people(args.people, args.duplicates, seed=11, errors=errors)
        truth = {row["record_id"]: row["truth"] for row in rows}
        started = time.perf_counter()
        text = io.StringIO()
        write_csv_to(text, rows)
        text.seek(0)
        result = dedupe(read_people_rows(text, id_column="record_id").records, seed=1)
        seconds = time.perf_counter() - started
        recall, precision = pair_scores(truth, result.clusters)
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        params = Parameters.from_dict(export_parameters(result))
        found, wrong, _, timings = _online(rows, params)
        cuts = statistics.quantiles(timings, n=100)
        print(
            f"{errors:>6} {precision:>8.3f} {recall:>8.3f} {f1:>8.3f} {seconds:>8.1f}"
            f" {found:>12.3f} {wrong:>11.3f} {statistics.median(timings) * 1000:>9.2f}"
            f" {cuts[98] * 1000:>7.2f}"
        )


if __name__ == "__main__":
    main()
