"""Quality of common-exposure detection on a generated outbreak with known infectors.

    .venv/bin/python benchmarks/clusters_quality.py --size 12000 --seeds 1,2

For each seed: generate an outbreak, load it through the application's actions (as the
demo does), add venue check-ins (half the people use the app; the tokens of people the
database knows are linked), then run detection once per simulated day, each run seeing
only the cases created by then (incremental, as the worker would).

The truth: a *setting transmission event* is a run of infections at one setting (the
generator records route and setting of every infection) with no gap of 14 days or more;
its *linked cases* are the detected cases among those infected there and their infectors.
An event with 3 or more linked cases is a *true setting cluster*. It counts as found when
a cluster at that setting holds 2 or more of its linked cases; the delay is from the
creation of its second linked case to the detection run that first held two of them.
A proposed cluster with fewer than 2 cases linked at its setting is a *false cluster*.
Figures are given for several score thresholds (clusters below it would not be shown).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import pathlib
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict

ROOT = pathlib.Path(__file__).resolve().parent.parent
EVENT_GAP_DAYS = 14
SETTING_ROUTES = {"workplace", "school", "care_home", "venue"}


def true_events(out: pathlib.Path, case_of_pid: dict[int, int]) -> list[dict]:
    """Setting transmission events with their linked cases."""
    infections: dict[str, list[tuple[dt.date, int, int]]] = defaultdict(list)
    with (out / "truth" / "infections.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["route"] in SETTING_ROUTES and row["setting_id"]:
                infector = int(row["infector_id"]) if row["infector_id"] else -1
                day = dt.date.fromisoformat(row["infected_on"])
                infections[row["setting_id"]].append((day, int(row["person_id"]), infector))
    events = []
    for setting, rows in infections.items():
        rows.sort()
        group: list[tuple[dt.date, int, int]] = []
        for item in rows:
            if group and (item[0] - group[-1][0]).days >= EVENT_GAP_DAYS:
                events.append((setting, group))
                group = []
            group.append(item)
        if group:
            events.append((setting, group))
    out_events = []
    for setting, group in events:
        people = {pid for _, pid, _ in group} | {inf for _, _, inf in group if inf >= 0}
        cases = {case_of_pid[pid] for pid in people if pid in case_of_pid}
        out_events.append({"setting": setting, "cases": cases})
    return out_events


def child(out_dir: str, thresholds: list[float]) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracedesk.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from tracedesk.cases.models import Case
    from tracedesk.clusters.demo import populate
    from tracedesk.clusters.detection import detect
    from tracedesk.clusters.models import Cluster, ClusterCase, ClusterStatus
    from tracedesk.demo.loader import OutbreakLoader
    from tracedesk.ingest.models import TestResult
    from tracedesk.lib.synth.checkins import config_of
    from tracedesk.places.models import Setting

    out = pathlib.Path(out_dir)
    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    OutbreakLoader(out).load()
    config = config_of(out)
    # Check-ins and token links, without detection (it runs day by day below).
    populate(
        seed=config.seed, out_dir=out, run_detection=False, checkin_days=config.days, app_share=0.5
    )
    seconds = []
    for day in range(1, config.days + 1):
        now = dt.datetime.combine(config.start + dt.timedelta(days=day), dt.time.min,
                                  tzinfo=dt.UTC)  # fmt: skip
        started = time.perf_counter()
        detect(now)
        seconds.append(time.perf_counter() - started)

    pid_of_specimen: dict[str, int] = {}
    with (out / "truth" / "lab_results.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            pid_of_specimen[row["specimen_id"]] = int(row["person_id"])
    case_of_pid: dict[int, int] = {}
    for specimen, case_id in TestResult.objects.filter(case__isnull=False).values_list(
        "specimen_id", "case_id"
    ):
        if specimen in pid_of_specimen:
            case_of_pid.setdefault(pid_of_specimen[specimen], case_id)
    created = dict(Case.objects.values_list("pk", "created_at"))
    refs = dict(Setting.objects.values_list("pk", "external_ref"))
    events = true_events(out, case_of_pid)
    linked_at: dict[str, set[int]] = defaultdict(set)
    for event in events:
        linked_at[event["setting"]] |= event["cases"]
    clusters = list(Cluster.objects.exclude(status=ClusterStatus.MERGED))
    members: dict[int, dict[int, dt.datetime]] = defaultdict(dict)
    for cluster_id, case_id, added in ClusterCase.objects.values_list(
        "cluster_id", "case_id", "added_at"
    ):
        members[cluster_id][case_id] = added
    weeks = config.days / 7
    results = []
    true_clusters = [e for e in events if len(e["cases"]) >= 3]
    for threshold in thresholds:
        shown = [c for c in clusters if c.score >= threshold]
        by_setting: dict[str, list] = defaultdict(list)
        for cluster in shown:
            by_setting[refs[cluster.setting_id]].append(cluster)
        found, delays = 0, []
        for event in true_clusters:
            second = sorted(created[c] for c in event["cases"])[1]
            best = None
            for cluster in by_setting.get(event["setting"], []):
                times = sorted(t for c, t in members[cluster.pk].items() if c in event["cases"])
                if len(times) >= 2 and (best is None or times[1] < best):
                    best = times[1]
            if best is not None:
                found += 1
                delays.append(max((best - second).total_seconds() / 86400, 0.0))
        false = sum(
            1
            for cluster in shown
            if len(set(members[cluster.pk]) & linked_at.get(refs[cluster.setting_id], set())) < 2
        )
        results.append(
            {
                "min_score": threshold,
                "true_clusters": len(true_clusters),
                "found": found,
                "share_found": found / len(true_clusters) if true_clusters else None,
                "median_delay_days": statistics.median(delays) if delays else None,
                "p90_delay_days": (
                    statistics.quantiles(delays, n=10)[-1] if len(delays) >= 2 else None
                ),
                "proposed": len(shown),
                "false": false,
                "false_per_week": false / weeks,
            }
        )
    print(json.dumps({"results": results, "run_seconds_median": statistics.median(seconds),
                      "cases": len(created)}))  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=12_000, help="people")
    parser.add_argument("--days", type=int, default=60)
    parser.add_argument("--seeds", default="1,2")
    parser.add_argument("--thresholds", default="0,1,2,3,4")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    thresholds = [float(t) for t in args.thresholds.split(",")]
    if args.child:
        child(args.child, thresholds)
        return
    sys.path.insert(0, str(ROOT))
    from tracedesk.lib.synth import SynthConfig, generate

    print(f"people {args.size:,}, {args.days} days, seeds {args.seeds}; SQLite")
    print(f"{'seed':>4} {'min score':>9} {'true':>5} {'found':>5} {'share':>6} {'median d':>8}"
          f" {'p90 d':>6} {'proposed':>8} {'false':>5} {'false/wk':>8}")  # fmt: skip
    for seed in (int(s) for s in args.seeds.split(",")):
        with tempfile.TemporaryDirectory() as temp:
            out = pathlib.Path(temp) / "outbreak"
            generate(SynthConfig(people=args.size, days=args.days, seed=seed,
                                 lab_formats=("csv",)), out)  # fmt: skip
            env = {**os.environ, "TRACEDESK_DATA_DIR": str(pathlib.Path(temp) / "data")}
            env.pop("DATABASE_URL", None)
            result = subprocess.run(  # noqa: S603  (this script, with our own arguments)
                [sys.executable, __file__, "--child", str(out), "--thresholds", args.thresholds],
                env=env, cwd=ROOT, capture_output=True, text=True, check=True,
            )  # fmt: skip
            figures = json.loads(result.stdout.strip().splitlines()[-1])
            for r in figures["results"]:
                share = f"{r['share_found']:.0%}" if r["share_found"] is not None else "-"
                med = f"{r['median_delay_days']:.1f}" if r["median_delay_days"] is not None else "-"
                p90 = f"{r['p90_delay_days']:.1f}" if r["p90_delay_days"] is not None else "-"
                print(f"{seed:>4} {r['min_score']:>9} {r['true_clusters']:>5} {r['found']:>5}"
                      f" {share:>6} {med:>8} {p90:>6} {r['proposed']:>8} {r['false']:>5}"
                      f" {r['false_per_week']:>8.1f}")  # fmt: skip
            print(f"     ({figures['cases']:,} cases; one daily detection run: median"
                  f" {figures['run_seconds_median'] * 1000:.0f} ms)")  # fmt: skip


if __name__ == "__main__":
    main()
