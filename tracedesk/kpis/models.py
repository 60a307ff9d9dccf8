"""Summary tables: KPI cells per day and tracer time per hour, maintained by kpis.jobs.

Derived data only — every row can be rebuilt from the records (``kpis.summary``).
Dimension columns are plain integers, not foreign keys: a summary row must never
stop a jurisdiction, team or contractor from being changed, and is rebuilt anyway.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class KpiCell(models.Model):
    """Records of one kind, one day, one jurisdiction/team/contractor, same whole hours elapsed."""

    day = models.DateField(help_text="Local date the case was transferred to tracing")
    jurisdiction_id = models.IntegerField()
    team_id = models.IntegerField(null=True, blank=True)
    contractor_id = models.IntegerField(null=True, blank=True)
    subject = models.CharField(max_length=8, help_text="case or contact")
    is_complex = models.BooleanField()
    is_household = models.BooleanField()
    measure = models.CharField(max_length=8, help_text="reach, result or e2e")
    hours = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Hours elapsed, bucket lower bound; empty: not reached"
    )
    n = models.PositiveIntegerField(help_text="Number of records")
    seconds = models.BigIntegerField(help_text="Sum of their elapsed seconds")

    class Meta:
        indexes = [models.Index(fields=["day", "jurisdiction_id"])]

    def __str__(self) -> str:
        return f"{self.day} {self.subject} {self.measure} {self.hours}: {self.n}"


class KpiAreaCell(models.Model):
    """KpiCell summed over teams and contractors and over a jurisdiction's whole subtree.

    A region's rows hold the region and every area below it, so a national or regional
    dashboard reads a few rows per day instead of one set per local authority.
    """

    day = models.DateField()
    jurisdiction_id = models.IntegerField()
    subject = models.CharField(max_length=8)
    is_complex = models.BooleanField()
    is_household = models.BooleanField()
    measure = models.CharField(max_length=8)
    hours = models.PositiveSmallIntegerField(null=True, blank=True)
    n = models.PositiveIntegerField()
    seconds = models.BigIntegerField()

    class Meta:
        indexes = [models.Index(fields=["day", "jurisdiction_id"])]

    def __str__(self) -> str:
        return f"{self.day} area {self.jurisdiction_id} {self.subject} {self.measure}: {self.n}"


class KpiTracerHour(models.Model):
    """One tracer's time in one clock hour: on tasks (call, wrap-up) and not offline."""

    hour = models.DateTimeField()
    tracer_id = models.IntegerField()
    team_id = models.IntegerField(null=True, blank=True)
    contractor_id = models.IntegerField(null=True, blank=True)
    busy_seconds = models.PositiveIntegerField()
    available_seconds = models.PositiveIntegerField()

    class Meta:
        indexes = [models.Index(fields=["hour", "team_id"])]
        constraints = [
            models.UniqueConstraint(fields=["hour", "tracer_id"], name="kpi_tracer_hour_once")
        ]

    def __str__(self) -> str:
        return f"{self.hour:%Y-%m-%d %H}:00 tracer {self.tracer_id}"


class KpiRefreshState(models.Model):
    """How far the summaries have followed the audit log of writes."""

    name = models.CharField(max_length=40, unique=True)
    audit_event_id = models.BigIntegerField(default=0, help_text="Events after this are new")
    refreshed_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.name} after event {self.audit_event_id}"
