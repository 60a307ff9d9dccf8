from __future__ import annotations

from django.db import models
from django.utils import timezone


class JobSchedule(models.Model):
    """When a job next falls due, and which worker holds it now (its lease).

    A worker takes a job with one conditional UPDATE ("free or expired, and due"),
    which both SQLite and PostgreSQL apply atomically: two workers can never hold
    the same job, and a worker killed mid-run loses its hold when the lease ends.
    """

    name = models.CharField(max_length=80, unique=True)
    next_run_at = models.DateTimeField(default=timezone.now)
    holder = models.CharField(max_length=120, blank=True)
    held_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class JobRun(models.Model):
    """One run of one job: when, by which worker, what it counted, and how it ended."""

    name = models.CharField(max_length=80, db_index=True)
    worker = models.CharField(max_length=120)
    dry_run = models.BooleanField(default=False)
    started_at = models.DateTimeField(default=timezone.now, db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    counts = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True, help_text="Exception type and message when it failed")

    class Meta:
        ordering = ["-started_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.name} at {self.started_at:%Y-%m-%d %H:%M:%S}"

    @property
    def outcome(self) -> str:
        if self.error:
            return "failed"
        return "finished" if self.finished_at else "running or interrupted"
