"""Benchmark loading a generated outbreak through the application's actions.

    .venv/bin/python benchmarks/load_outbreak.py --sizes 5000,20000
    scripts/with-postgres.sh .venv/bin/python benchmarks/load_outbreak.py --sizes 5000,20000

SQLite always runs (a fresh file in a temporary data directory); PostgreSQL runs too when
DATABASE_URL points at one (as `scripts/with-postgres.sh` arranges). Each (size, database)
runs in a child process on an emptied database. Every row goes through the same audited,
idempotent actions as the web UI and the API: this measures the write path, not a bulk copy.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent


def child(directory: str) -> None:
    """Load one outbreak into the configured database and print timings as JSON."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracedesk.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from tracedesk.demo.loader import OutbreakLoader

    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    started = time.perf_counter()
    report = OutbreakLoader(pathlib.Path(directory)).load()
    seconds = time.perf_counter() - started
    rows = sum(file.read for file in report.files)
    print(json.dumps({"rows": rows, "seconds": seconds, "reconciles": report.reconciles}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="5000,20000", help="population sizes, comma-separated")
    parser.add_argument("--days", type=int, default=60)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return

    sys.path.insert(0, str(ROOT))
    from tracedesk.lib.synth import SynthConfig, generate

    databases: list[tuple[str, str | None]] = [("sqlite", None)]
    if os.environ.get("DATABASE_URL", "").startswith("postgres"):
        databases.append(("postgresql", os.environ["DATABASE_URL"]))
    print(f"{'people':>8} {'database':>10} {'rows':>7} {'seconds':>8} {'rows/s':>7}  reconciled")
    for people in (int(size) for size in args.sizes.split(",")):
        with tempfile.TemporaryDirectory() as temp:
            out = pathlib.Path(temp) / "outbreak"
            generate(SynthConfig(people=people, days=args.days, seed=args.seed), out)
            for name, url in databases:
                env = {**os.environ, "TRACEDESK_DATA_DIR": str(pathlib.Path(temp) / "data")}
                env.pop("DATABASE_URL", None)
                if url:
                    env["DATABASE_URL"] = url
                result = subprocess.run(  # noqa: S603  (this script, with our own arguments)
                    [sys.executable, __file__, "--child", str(out)],
                    env=env,
                    cwd=ROOT,
                    capture_output=True,
                    text=True,
                    check=True,
                )
                figures = json.loads(result.stdout.strip().splitlines()[-1])
                rate = figures["rows"] / figures["seconds"]
                print(
                    f"{people:>8} {name:>10} {figures['rows']:>7} {figures['seconds']:>8.1f}"
                    f" {rate:>7.0f}  {figures['reconciles']}"
                )


if __name__ == "__main__":
    main()
