"""Batch deduplication speed and memory at scale, against Splink's own default pipeline.

    .venv/bin/python benchmarks/dedupe_speed.py --people 1000000 --duplicates 100000

Writes ``--people`` synthetic people (Faker en_GB, one household in eight sharing
surname, address and phone with a different person) plus ``--duplicates`` noisy copies
as the CSV ``tracedesk people dedupe`` reads (kept in ``--work-dir`` and reused when it
exists), then runs, each in its own child process so that its peak memory is its own:

* **tracedesk**: ``python -m tracedesk.lib.dedupe.cli FILE --out clusters.csv``, exactly
  what ``tracedesk people dedupe FILE --out clusters.csv`` runs (reading and normalising
  the CSV, Splink training and prediction on DuckDB, the household rule, clustering,
  writing the clusters);
* **splink default**: the pipeline of Splink's own README and tutorial on the same CSV,
  read with pandas: comparisons from Splink's comparison library (``NameComparison``,
  ``DateOfBirthComparison``, ``PostcodeComparison``, ``EmailComparison``, exact phone),
  the probability of a match estimated from deterministic rules, u by random sampling,
  two EM sessions, prediction at 0.9, and Splink's own clustering at 0.95.

Prints, for each, wall seconds, CPU seconds (user + system, over both cores: on a shared
machine the wall time moves with the load, the CPU time much less), peak resident
memory (MiB) and pairwise precision,
recall and F1 against the generator's truth.
"""

from __future__ import annotations

import argparse
import csv
import os
import pathlib
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent


def splink_default(source: str, out: str) -> None:
    """Splink's documented default pipeline (README example, adapted to these columns)."""
    import logging

    import pandas as pd
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    logging.getLogger("splink").setLevel(logging.ERROR)
    frame = pd.read_csv(source, dtype=str, keep_default_na=False).rename(
        columns={"record_id": "unique_id"}
    )
    frame = frame.replace("", None)
    settings = SettingsCreator(
        link_type="dedupe_only",
        comparisons=[
            cl.NameComparison("first_name"),
            cl.NameComparison("last_name"),
            cl.DateOfBirthComparison("dob", input_is_string=True),
            cl.PostcodeComparison("postcode"),
            cl.EmailComparison("email"),
            cl.ExactMatch("phone"),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("first_name", "dob"),
            block_on("last_name", "substr(dob, 1, 4)"),
            block_on("postcode"),
            block_on("email"),
        ],
        retain_intermediate_calculation_columns=False,
    )
    linker = Linker(frame, settings, db_api=DuckDBAPI(), set_up_basic_logging=False)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("first_name", "last_name", "dob"), block_on("email")], recall=0.7
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=2e6)
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("first_name", "last_name")
    )
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("dob"))
    pairwise = linker.inference.predict(threshold_match_probability=0.9)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(pairwise, 0.95)
    result = clusters.as_pandas_dataframe()[["unique_id", "cluster_id"]]
    result.to_csv(out, index=False, header=["record_id", "cluster_id"])


def _scores(source: pathlib.Path, clusters: pathlib.Path) -> tuple[float, float, float]:
    sys.path.insert(0, str(ROOT))
    from tracedesk.lib.dedupe.synthetic import pair_scores

    with open(source, newline="", encoding="utf-8") as handle:
        truth = {row["record_id"]: row["truth"] for row in csv.DictReader(handle)}
    with open(clusters, newline="", encoding="utf-8") as handle:
        found = [(row["record_id"], row["cluster_id"]) for row in csv.DictReader(handle)]
    recall, precision = pair_scores(truth, found)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def _run(command: list[str]) -> tuple[float, float, float, int]:
    """Run ``command``; return (wall seconds, CPU seconds, peak RSS in MiB, exit status)."""
    started = time.perf_counter()
    child = subprocess.Popen(command, cwd=ROOT)  # noqa: S603  (our own interpreter and script)
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    cpu = usage.ru_utime + usage.ru_stime
    return time.perf_counter() - started, cpu, usage.ru_maxrss / 1024, child.returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--duplicates", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--work-dir", default=os.path.join(tempfile.gettempdir(), "dedupe-speed"))
    parser.add_argument(
        "--only", choices=("tracedesk", "splink"), help="run one of the two pipelines"
    )
    parser.add_argument("--reference", nargs=2, metavar=("CSV", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.reference:  # the child process running Splink's default pipeline
        splink_default(*args.reference)
        return
    work = pathlib.Path(args.work_dir)
    work.mkdir(parents=True, exist_ok=True)
    source = work / f"people-{args.people}-{args.duplicates}-{args.seed}.csv"
    if not source.exists():
        sys.path.insert(0, str(ROOT))
        from tracedesk.lib.dedupe.synthetic import make_people, write_csv

        started = time.perf_counter()
        rows = make_people(args.people, args.duplicates, seed=args.seed)
        write_csv(source, rows)
        del rows
        print(f"generated {source.name} in {time.perf_counter() - started:.0f} s")
    records = args.people + args.duplicates
    print(f"{records:,} records ({args.duplicates:,} noisy copies);"
          f" load average {os.getloadavg()[0]:.1f}")  # fmt: skip
    runs = {
        "tracedesk": [sys.executable, "-m", "tracedesk.lib.dedupe.cli", "dedupe", str(source),
                      "--out", str(work / "tracedesk-clusters.csv")],
        "splink": [sys.executable, __file__, "--reference", str(source),
                   str(work / "splink-clusters.csv")],
    }  # fmt: skip
    for name, command in runs.items():
        if args.only and name != args.only:
            continue
        seconds, cpu, peak, status = _run(command)
        if status:
            print(f"{name}: failed with exit status {status}")
            continue
        precision, recall, f1 = _scores(source, work / f"{name}-clusters.csv")
        print(
            f"{name:>10}: {seconds:.1f} s ({cpu:.1f} CPU s), peak {peak:,.0f} MiB,"
            f" {records / seconds:,.0f}"
            f" records/s; precision {precision:.3f} recall {recall:.3f} F1 {f1:.3f}"
        )


if __name__ == "__main__":
    main()
