"""How a batch's reconciliation is shown to people and machines."""

from __future__ import annotations

from typing import Any

from tracedesk.ingest.models import IngestBatch


def batch_summary(batch: IngestBatch) -> dict[str, Any]:
    """Return the batch's reconciliation as plain data (the CLI's --json and the API)."""
    return {
        "batch": batch.pk,
        "source": batch.source_name,
        "format": batch.format,
        "status": batch.status,
        "read": batch.read_count,
        "accepted": batch.accepted_count,
        "corrections": batch.correction_count,
        "duplicates": batch.duplicate_count,
        "rejected": batch.rejected_count,
        "positives": batch.positive_count,
        "declared": batch.declared_count,
        "balanced": batch.balanced,
        "matches_declared": batch.matches_declared,
        "reconciles": batch.reconciles,
        "stopped_reason": batch.stopped_reason,
        "warnings": batch.warnings,
        "already_ingested": batch.already_ingested,
    }


def batch_lines(batch: IngestBatch) -> list[str]:
    """Return the batch's reconciliation as lines for a terminal."""
    declared = (
        "" if batch.declared_count is None else f" (the source declares {batch.declared_count})"
    )
    lines = [
        f"{batch.source_name} [{batch.format}] batch {batch.pk}: {batch.get_status_display()}",
        f"  read {batch.read_count}{declared} = accepted {batch.accepted_count}"
        f" (of which corrections {batch.correction_count}) + duplicates {batch.duplicate_count}"
        f" + rejected {batch.rejected_count}",
        f"  positive results: {batch.positive_count}",
    ]
    if batch.already_ingested:
        lines.append(
            f"  this exact file was already ingested on {batch.finished_at:%Y-%m-%d %H:%M};"
            " nothing was changed"
        )
    if not batch.balanced:
        lines.append("  DOES NOT BALANCE: some records are unaccounted for")
    if batch.matches_declared is False:
        lines.append(
            f"  DOES NOT MATCH THE SOURCE: it declares {batch.declared_count} records,"
            f" {batch.read_count} were read"
        )
    if batch.stopped_reason:
        lines.append(f"  {batch.stopped_reason}; run the same command again to resume")
    lines.extend(f"  warning: {warning}" for warning in batch.warnings[:10])
    return lines
