"""Benchmark the synthetic outbreak generator at several population sizes.

    python benchmarks/synth_scale.py                 # 10k, 100k and 1M people (~1.5 min)
    python benchmarks/synth_scale.py --quick         # 10k and 100k only
    python benchmarks/synth_scale.py --sizes 5000,20000 --days 30 --r-target 0.5
    python benchmarks/synth_scale.py --quick --lab-formats csv   # lab feed as CSV only

Each size runs in a fresh child process so that its peak RSS (``resource.getrusage``) is its own.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import pathlib
import resource
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent


def _peak_rss_mib() -> float:
    # Linux reports ru_maxrss in KiB.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_one(
    people: int,
    days: int,
    seed: int,
    r_target: float | None,
    out: pathlib.Path,
    lab_formats: str | None = None,
) -> dict[str, object]:
    sys.path.insert(0, str(ROOT))
    from tracedesk.lib.synth import SynthConfig, generate  # imported here: RSS measured after
    from tracedesk.lib.synth.config import parse_formats

    baseline = _peak_rss_mib()
    started = time.perf_counter()
    config = SynthConfig(people=people, days=days, seed=seed)
    if r_target is not None:
        config = dataclasses.replace(config, r_target=r_target)
    if lab_formats is not None:
        config = dataclasses.replace(config, lab_formats=parse_formats(lab_formats))
    manifest = generate(config, out)
    elapsed = time.perf_counter() - started
    files = manifest["files"]
    summary = manifest["summary"]
    lab_rows = files["truth/lab_results.csv"]["rows"]  # one per result, whichever formats
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    return {
        "people": people,
        "seconds": round(elapsed, 2),
        "people_per_second": round(people / elapsed),
        "baseline_rss_mib": round(baseline, 1),
        "peak_rss_mib": round(_peak_rss_mib(), 1),
        "infections": summary["infections"],
        "lab_results": lab_rows,
        "reported_contacts": files["reported_contacts.csv"]["rows"],
        "output_mib": round(size / 2**20, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes", default="10000,100000,1000000", help="comma-separated people counts"
    )
    parser.add_argument("--quick", action="store_true", help="skip sizes above 100,000")
    parser.add_argument(
        "--r-target", type=float, default=None, help="override r_target (e.g. 0.5: no epidemic)"
    )
    parser.add_argument(
        "--lab-formats",
        default=None,
        help="comma-separated lab-feed formats (default: all; e.g. csv for the CSV feed only)",
    )
    parser.add_argument("--days", type=int, default=60)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=pathlib.Path, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.one:
        result = run_one(args.one, args.days, args.seed, args.r_target, args.out, args.lab_formats)
        print(json.dumps(result))
        return

    sizes = [int(s) for s in args.sizes.split(",") if s]
    if args.quick:
        sizes = [s for s in sizes if s <= 100_000]
    header = (
        f"{'people':>10} {'seconds':>8} {'people/s':>9} {'base MiB':>9} {'peak MiB':>9} "
        f"{'infections':>10} {'lab rows':>9} {'contacts':>9} {'out MiB':>8}"
    )
    r_target = "default" if args.r_target is None else args.r_target
    formats = args.lab_formats or "all"
    print(
        f"days={args.days} seed={args.seed} r_target={r_target} lab_formats={formats} "
        f"python={sys.version.split()[0]}"
    )
    print(header)
    for people in sizes:
        tmp = pathlib.Path(tempfile.mkdtemp(prefix="synth-bench-"))
        try:
            cmd = [sys.executable, __file__, "--one", str(people), "--days", str(args.days),
                   "--seed", str(args.seed), "--out", str(tmp)]  # fmt: skip
            if args.r_target is not None:
                cmd += ["--r-target", str(args.r_target)]
            if args.lab_formats is not None:
                cmd += ["--lab-formats", args.lab_formats]
            done = subprocess.run(cmd, check=True, capture_output=True, text=True)  # noqa: S603
            r = json.loads(done.stdout.strip().splitlines()[-1])
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        print(
            f"{r['people']:>10,} {r['seconds']:>8} {r['people_per_second']:>9,} "
            f"{r['baseline_rss_mib']:>9} {r['peak_rss_mib']:>9} {r['infections']:>10,} "
            f"{r['lab_results']:>9,} {r['reported_contacts']:>9,} {r['output_mib']:>8}",
            flush=True,
        )


if __name__ == "__main__":
    main()
