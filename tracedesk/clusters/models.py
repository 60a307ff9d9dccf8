"""Common-exposure clusters: cases of different households who shared a setting.

Detection (``tracedesk.clusters.detection``) keeps two working tables — each case's
exposure window (``CaseWindow``, which is also the mark that the case was scanned) and
each case's days at each setting inside it (``CaseExposure``) — and groups the
exposures of every setting that gained one into ``Cluster`` rows.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class ClusterStatus(models.TextChoices):
    PROPOSED = "proposed", "Proposed"
    CONFIRMED = "confirmed", "Confirmed"
    DISMISSED = "dismissed", "Dismissed"
    MERGED = "merged", "Merged into another cluster"


class Cluster(models.Model):
    """Cases of two or more households exposed at one setting within the rolling window."""

    setting = models.ForeignKey("places.Setting", on_delete=models.PROTECT, related_name="clusters")
    jurisdiction = models.ForeignKey(
        "geography.Jurisdiction", on_delete=models.PROTECT, related_name="clusters"
    )
    status = models.CharField(
        max_length=10, choices=ClusterStatus.choices, default=ClusterStatus.PROPOSED
    )
    first_exposure_on = models.DateField()
    last_exposure_on = models.DateField()
    case_count = models.PositiveIntegerField(default=0)
    household_count = models.PositiveIntegerField(default=0)
    expected_count = models.FloatField(
        default=0.0, help_text="Cases expected by chance at this setting over the same days"
    )
    attendee_count = models.PositiveIntegerField(
        default=0, help_text="Check-ins and recorded attendances over the cluster's days"
    )
    score = models.FloatField(default=0.0, db_index=True)
    proposed_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    second_case_at = models.DateTimeField(
        null=True, blank=True, help_text="When the case that made it a cluster was created"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decision_note = models.TextField(blank=True)
    attendees_notified = models.PositiveIntegerField(default=0)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged_clusters"
    )

    class Meta:
        ordering = ["-score", "-last_exposure_on"]
        indexes = [models.Index(fields=["status", "jurisdiction"])]

    def __str__(self) -> str:
        return f"Cluster {self.pk}"

    @property
    def span_days(self) -> int:
        return (self.last_exposure_on - self.first_exposure_on).days + 1

    @property
    def attack_rate(self) -> float | None:
        if not self.attendee_count:
            return None
        return self.case_count / self.attendee_count


class ClusterCase(models.Model):
    """One case of a cluster and its days at the setting."""

    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE, related_name="members")
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="cluster_links")
    first_exposed_on = models.DateField()
    last_exposed_on = models.DateField()
    household_key = models.BigIntegerField(
        help_text="The case's household id (minus the person id when no household is known)"
    )
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["first_exposed_on", "case_id"]
        constraints = [
            models.UniqueConstraint(fields=["cluster", "case"], name="cluster_case_once")
        ]

    def __str__(self) -> str:
        return f"Case {self.case_id} in cluster {self.cluster_id}"


class LogKind(models.TextChoices):
    PROPOSED = "proposed", "Proposed"
    GREW = "grew", "New cases"
    CONFIRMED = "confirmed", "Confirmed"
    DISMISSED = "dismissed", "Dismissed"
    REOPENED = "reopened", "Proposed again"
    MERGED = "merged", "Merged"
    TASK = "task", "Task opened"
    NOTIFIED = "notified", "Attendees notified"
    WINDOW_MOVED = "moved", "A case's exposure window moved"


class ClusterLog(models.Model):
    """What happened to a cluster, in order. Text holds counts and ids, never personal values."""

    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE, related_name="log")
    at = models.DateTimeField(default=timezone.now)
    kind = models.CharField(max_length=10, choices=LogKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    text = models.TextField()

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} (cluster {self.cluster_id})"


class DetectionRun(models.Model):
    """One pass of detection and the high-water marks it advanced to."""

    started_at = models.DateTimeField(default=timezone.now)
    as_of = models.DateTimeField(help_text="Cases created up to this time were considered")
    finished_at = models.DateTimeField(null=True, blank=True)
    last_attendance_id = models.BigIntegerField(default=0)
    last_checkin_id = models.BigIntegerField(default=0)
    last_link_at = models.DateTimeField(null=True, blank=True)
    cases_scanned = models.PositiveIntegerField(default=0)
    exposures_added = models.PositiveIntegerField(default=0)
    settings_examined = models.PositiveIntegerField(default=0)
    clusters_proposed = models.PositiveIntegerField(default=0)
    clusters_grown = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"Detection run {self.pk}"


class CaseWindow(models.Model):
    """A scanned case's exposure window: its days ``[window_from, window_until)``."""

    case = models.OneToOneField("cases.Case", on_delete=models.CASCADE, related_name="+")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    household_key = models.BigIntegerField()
    window_from = models.DateField()
    window_until = models.DateField()
    # The same days as instants: local midnight (TIME_ZONE) of window_from and window_until.
    starts_at = models.DateTimeField(null=True)
    ends_at = models.DateTimeField(null=True)
    # The case's onset and first specimen when the window was set: a case whose dates
    # differ now is re-evaluated (null: set before these were kept, re-evaluated once).
    onset_on = models.DateField(null=True)
    specimen_at = models.DateTimeField(null=True)
    run = models.ForeignKey(DetectionRun, on_delete=models.PROTECT, related_name="+")

    class Meta:
        indexes = [models.Index(fields=["person"], name="clusters_window_person")]

    def __str__(self) -> str:
        return f"Exposure window of case {self.case_id}"


class CaseExposure(models.Model):
    """A case at a setting on a day inside its exposure window, and how we know."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="+")
    setting = models.ForeignKey("places.Setting", on_delete=models.PROTECT, related_name="+")
    exposed_on = models.DateField()
    source = models.CharField(max_length=12)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["setting", "case", "exposed_on"], name="case_exposure_once"
            )
        ]
        indexes = [models.Index(fields=["case"], name="clusters_exposure_case")]

    def __str__(self) -> str:
        return f"Case {self.case_id} at setting {self.setting_id}"
