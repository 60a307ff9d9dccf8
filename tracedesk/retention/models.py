"""What retention keeps: which records it anonymised (and when), and cases' statistics."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class RetentionMark(models.Model):
    """One record that retention anonymised; it is purged when its grace period ends.

    Kept here rather than as a column on each model so that retention needs no
    field on other apps' tables; a record's mark is deleted with the record.
    """

    model = models.CharField(max_length=60, help_text="app_label.model")
    object_id = models.PositiveBigIntegerField()
    anonymised_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["model", "object_id"], name="retention_mark_once")
        ]
        indexes = [models.Index(fields=["model", "anonymised_at"])]

    def __str__(self) -> str:
        return f"{self.model} {self.object_id} anonymised {self.anonymised_at:%Y-%m-%d}"


class CaseStatistic(models.Model):
    """What is kept of a case after its retention period: counts, with no way back to a person.

    Week of the first positive specimen, local authority, five-year age band, sex,
    outcome and number of contacts named: enough for the epidemic curve and for
    comparing waves, not enough to single anyone out once published with the usual
    small-number suppression.
    """

    jurisdiction = models.ForeignKey("geography.Jurisdiction", on_delete=models.PROTECT)
    specimen_week = models.DateField(help_text="Monday of the week of the first positive specimen")
    age_band = models.CharField(max_length=8)
    sex = models.CharField(max_length=7)
    status = models.CharField(max_length=10)
    is_complex = models.BooleanField(default=False)
    contacts = models.PositiveIntegerField(default=0)
    anonymised_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["specimen_week", "jurisdiction"])]

    def __str__(self) -> str:
        return f"case of week {self.specimen_week} in {self.jurisdiction_id}"
