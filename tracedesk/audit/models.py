from django.conf import settings
from django.db import models
from django.utils import timezone


class Action(models.TextChoices):
    CREATE = "create", "Create"
    UPDATE = "update", "Update"
    DELETE = "delete", "Delete"
    VIEW = "view", "View"
    LIST = "list", "List"
    EXPORT = "export", "Export"


class Outcome(models.TextChoices):
    DONE = "done", "Done"
    REFUSED = "refused", "Refused: the role lacks the right (403)"
    NOT_FOUND = "not_found", "Not found, or outside the user's scope (404)"


class AuditEvent(models.Model):
    """Who touched which record, when and why. Never holds personal values.

    One event may cover many records of one type changed together (a chunk of a
    laboratory feed): ``object_ids`` then lists them and ``object_id`` is empty;
    ``events_about`` finds an object's events either way.

    ``actor`` is empty for work done by the system itself (loaders, the worker);
    ``source`` then names the command or job.
    """

    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,  # users are disabled, never deleted, while audit refers to them
        related_name="audit_events",
    )
    actor_role = models.CharField(max_length=20, blank=True)
    source = models.CharField(max_length=80, blank=True, help_text="web, api, or a command name")
    action = models.CharField(max_length=10, choices=Action.choices)
    object_type = models.CharField(max_length=60, help_text="app_label.model")
    object_id = models.CharField(max_length=40, blank=True)
    object_ids = models.JSONField(
        default=list, blank=True, help_text="For one action over many records: their ids"
    )
    purpose = models.CharField(max_length=120, blank=True)
    fields = models.JSONField(default=list, blank=True, help_text="Names of fields changed")
    client_ip = models.GenericIPAddressField(null=True, blank=True)
    outcome = models.CharField(
        max_length=10,
        choices=Outcome.choices,
        default=Outcome.DONE,
        help_text="done, or a request refused (403) or not found / outside scope (404)",
    )

    class Meta:
        ordering = ["-at"]
        indexes = [
            models.Index(fields=["object_type", "object_id"]),
            models.Index(fields=["actor", "at"]),
            # The audit viewer filters by action and time on tables of many millions.
            models.Index(fields=["action", "at"]),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_type}:{self.object_id}"


class AlertKind(models.TextChoices):
    READS = "reads", "Reads far above peers"
    REFUSALS = "refusals", "Many refused requests"


class ReadAlert(models.Model):
    """A user whose reads of personal data in one period were far above their peers'.

    Or (``kind`` "refusals") who was refused many requests in one period: asked for
    records outside their scope, or for data their role may not see.

    Written by the worker job ``audit.read_volume`` (see ``audit/volume.py``): one row
    per user and period, so running the job again for the same period adds nothing.
    Holds counts and the statistic that flagged them, never what was read.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="read_alerts"
    )
    kind = models.CharField(max_length=10, choices=AlertKind.choices, default=AlertKind.READS)
    role = models.CharField(max_length=20)
    period_start = models.DateTimeField()
    period_end = models.DateTimeField()
    reads = models.PositiveIntegerField(
        help_text="Read events (view, list, export) in the period; refusals for that kind"
    )
    peers = models.PositiveIntegerField(help_text="Users of the same role who read in the period")
    peer_median = models.FloatField()
    peer_mad = models.FloatField(help_text="Median absolute deviation of the peers' reads")
    threshold = models.FloatField(help_text="Reads above this were flagged")
    created_at = models.DateTimeField(default=timezone.now)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    note = models.CharField(max_length=500, blank=True, help_text="What the reviewer found")

    class Meta:
        ordering = ["-period_start", "-reads"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "kind", "period_start", "period_end"],
                name="read_alert_once_per_kind_and_period",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.reads} reads from {self.period_start:%Y-%m-%d}"
