"""tracedesk demo: build a SQLite database with a generated outbreak and serve it."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.utils import timezone

from tracedesk.accounts.demo import populate as populate_two_factor
from tracedesk.audit.demo import populate as populate_audit
from tracedesk.clusters.demo import populate as populate_clusters
from tracedesk.contracts.demo import populate as populate_contracts
from tracedesk.demo.history import replay_tracing
from tracedesk.demo.loader import OutbreakLoader
from tracedesk.demo.people import create_demo_users
from tracedesk.kpis.demo import populate as populate_kpis
from tracedesk.lib.synth import generate
from tracedesk.lib.synth.cli import config_from_options
from tracedesk.retention.demo import populate as populate_retention
from tracedesk.selfservice.demo import populate as populate_self_service
from tracedesk.tracing.demo import populate as populate_tracing


class Command(BaseCommand):
    help = "Generate an outbreak, load it into a fresh SQLite database, and serve the web UI."

    def add_arguments(self, parser: CommandParser) -> None:
        # Sized so the whole build stays well under a minute (docs/benchmarks.md).
        parser.add_argument("--people", type=int, default=12_000)
        parser.add_argument("--days", type=int, default=60)
        parser.add_argument("--seed", type=int, default=2020)
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument(
            "--no-serve", action="store_true", help="Build the database, print logins, and stop"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if connection.vendor != "sqlite":
            raise CommandError("The demo builds a SQLite database: unset DATABASE_URL.")
        started = time.monotonic()
        self.fresh_database()
        out = Path(settings.DATA_DIR) / "demo-outbreak"
        # The generated world ends at midnight this morning: results and interviews
        # still under way then are not in the files, so nothing is dated in the future.
        start = timezone.localdate() - dt.timedelta(days=options["days"])
        config = config_from_options({**options, "start": start.isoformat()})
        self.stdout.write(f"Generating {options['people']:,} people over {options['days']} days…")
        generate(config, out)
        self.stdout.write("Loading the outbreak through the application's actions…")
        report = OutbreakLoader(out).load(progress=lambda line: self.stdout.write("  " + line))
        if not report.reconciles:
            raise CommandError("The demo outbreak did not load cleanly; see the counts above.")
        logins = create_demo_users()
        work = replay_tracing(seed=options["seed"])
        self.stdout.write(
            f"Replayed tracing: {work['reached']} reached, {work['not_reached']} not reached,"
            f" {work['claimed']} claimed by the demo tracers."
        )
        self.stdout.write(populate_tracing(seed=options["seed"]))
        self.stdout.write(populate_contracts(seed=options["seed"]))
        self.stdout.write(populate_self_service(seed=options["seed"]))
        self.stdout.write(populate_clusters(seed=options["seed"], out_dir=out))
        self.stdout.write(populate_audit(seed=options["seed"]))
        self.stdout.write(populate_retention(seed=options["seed"]))
        self.stdout.write(populate_two_factor(seed=options["seed"]))
        self.stdout.write(populate_kpis(seed=options["seed"]))  # last: summarises all above
        call_command("collectstatic", interactive=False, verbosity=0)
        self.stdout.write(f"Built in {time.monotonic() - started:.0f} s.\n")
        self.stdout.write(self.style.SUCCESS("Demo logins (new passwords on every run):"))
        for login in logins:
            self.stdout.write(
                f"  {login.role:<18} {login.username:<28} {login.password}   scope: {login.scope}"
            )
        if options["no_serve"]:
            return
        self.stdout.write(f"\nOpen http://127.0.0.1:{options['port']}/ (Ctrl-C to stop).")
        call_command("runserver", f"127.0.0.1:{options['port']}", use_reloader=False)

    def fresh_database(self) -> None:
        """Start from an empty database so that every demo run is the same."""
        call_command("migrate", interactive=False, verbosity=0)
        call_command("flush", interactive=False, verbosity=0)
