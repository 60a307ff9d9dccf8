"""``tracedesk retention [--dry-run] [--at DATETIME] [--json]``: apply the retention rules now."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from tracedesk.retention import apply
from tracedesk.retention.rules import RULES, Anonymise, Exempt, Follows, Purge


class Command(BaseCommand):
    help = "Anonymise and purge what the retention rules say is due; --dry-run only reports."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="report, change nothing")
        parser.add_argument("--at", help="apply as at this ISO date-time (default: now)")
        parser.add_argument("--json", action="store_true", help="print the counts as JSON")
        parser.add_argument("--rules", action="store_true", help="print the rules and stop")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["rules"]:
            for rule in RULES:
                self.stdout.write(describe(rule))
            return
        now = timezone.now()
        if options["at"]:
            try:
                now = dt.datetime.fromisoformat(options["at"])
            except ValueError:
                raise CommandError(f"--at: {options['at']!r} is not an ISO date-time") from None
            if timezone.is_naive(now):
                now = timezone.make_aware(now)
        report = apply.run(now, dry_run=options["dry_run"])
        if options["json"]:
            self.stdout.write(json.dumps(dict(sorted(report.items())), indent=2))
            return
        heading = "would be" if options["dry_run"] else "were"
        self.stdout.write(f"Retention at {now:%Y-%m-%d %H:%M %Z}: records that {heading} changed")
        if not report:
            self.stdout.write("  nothing is due.")
        width = max((len(key) for key in report), default=0)
        for key, count in sorted(report.items()):
            self.stdout.write(f"  {key:<{width}}  {count:>9,}")
        if options["dry_run"]:
            self.stdout.write("Dry run: nothing was changed.")


def describe(rule: Anonymise | Purge | Follows | Exempt) -> str:
    """Return one line saying what a rule does."""
    if isinstance(rule, Exempt):
        return f"{rule.model}: kept — {rule.why}"
    if isinstance(rule, Follows):
        return f"{rule.model}: with its {' / '.join(rule.follows)} — {rule.why}"
    if isinstance(rule, Purge):
        when = f"{rule.after.days} days after {rule.clock}" if rule.clock else "when orphaned"
        return f"{rule.model}: purged {when} — {rule.why}"
    then = f"purged {rule.grace.days} days later" if rule.grace else "kept anonymised"
    return (
        f"{rule.model}: anonymised {rule.after.days} days after {rule.clock}, {then} — {rule.why}"
    )
