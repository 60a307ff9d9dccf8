"""Retention in the demo: what tonight's run would do to the generated outbreak (a dry run)."""

from __future__ import annotations

from django.utils import timezone

from tracedesk.retention import apply


def populate(*, seed: int) -> str:
    """Report what retention would anonymise and purge now, changing nothing."""
    report = apply.run(timezone.now(), dry_run=True)
    due = ", ".join(f"{count:,} {key}" for key, count in sorted(report.items())) or "nothing"
    return f"Retention (dry run, `tracedesk retention --dry-run`): {due}."
