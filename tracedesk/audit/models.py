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

    class Meta:
        ordering = ["-at"]
        indexes = [
            models.Index(fields=["object_type", "object_id"]),
            models.Index(fields=["actor", "at"]),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_type}:{self.object_id}"
