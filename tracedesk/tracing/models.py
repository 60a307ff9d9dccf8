from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone


class TaskKind(models.TextChoices):
    REACH_CASE = "reach_case", "Reach the case"
    REACH_CONTACT = "reach_contact", "Reach the contact"
    FOLLOW_UP = "follow_up", "Follow up"
    NOTIFY_SETTING = "notify_setting", "Notify the setting"


class TaskStatus(models.TextChoices):
    OPEN = "open", "Waiting"
    CLAIMED = "claimed", "Claimed"
    DONE = "done", "Done"
    ESCALATED = "escalated", "Escalated"
    CANCELLED = "cancelled", "Cancelled"


# Which target field each kind of task must have (and only that one).
TARGET_FIELD = {
    TaskKind.REACH_CASE: "case",
    TaskKind.REACH_CONTACT: "contact",
    TaskKind.FOLLOW_UP: "contact",
    TaskKind.NOTIFY_SETTING: "setting",
}


class TracingTask(models.Model):
    """A unit of tracing work with a deadline (its service level)."""

    kind = models.CharField(max_length=16, choices=TaskKind.choices)
    case = models.ForeignKey(
        "cases.Case", null=True, blank=True, on_delete=models.PROTECT, related_name="tasks"
    )
    contact = models.ForeignKey(
        "cases.Contact", null=True, blank=True, on_delete=models.PROTECT, related_name="tasks"
    )
    setting = models.ForeignKey(
        "places.Setting", null=True, blank=True, on_delete=models.PROTECT, related_name="tasks"
    )
    jurisdiction = models.ForeignKey(
        "geography.Jurisdiction", on_delete=models.PROTECT, related_name="tasks"
    )
    priority = models.PositiveSmallIntegerField(default=3, help_text="1 is most urgent, 5 least")
    due_by = models.DateTimeField(db_index=True)
    status = models.CharField(max_length=10, choices=TaskStatus.choices, default=TaskStatus.OPEN)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tasks",
    )
    language = models.CharField(max_length=2, default="en")
    required_skills = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_by", "priority"]
        indexes = [models.Index(fields=["status", "jurisdiction", "due_by"])]
        constraints = [
            models.CheckConstraint(
                name="task_has_its_kinds_target",
                condition=(
                    Q(kind="reach_case", case__isnull=False, contact__isnull=True)
                    | Q(kind__in=["reach_contact", "follow_up"], contact__isnull=False)
                    | Q(kind="notify_setting", setting__isnull=False)
                ),
            ),
            models.CheckConstraint(
                name="task_priority_1_to_5", condition=Q(priority__gte=1, priority__lte=5)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} (task {self.pk})"

    def clean(self) -> None:
        field = TARGET_FIELD.get(TaskKind(self.kind)) if self.kind else None
        if field and getattr(self, f"{field}_id") is None:
            raise ValidationError({field: f"A '{self.get_kind_display()}' task needs a {field}."})
        if not 1 <= self.priority <= 5:
            raise ValidationError({"priority": "Priority runs from 1 (most urgent) to 5."})


class Outcome(models.TextChoices):
    REACHED = "reached", "Reached"
    NO_ANSWER = "no_answer", "No answer"
    VOICEMAIL = "voicemail", "Voicemail left"
    WRONG_NUMBER = "wrong_number", "Wrong number"
    REFUSED = "refused", "Refused"
    CALLBACK = "callback", "Callback requested"
    INTERPRETER = "interpreter", "Interpreter needed"


class CallAttempt(models.Model):
    """One attempt to reach the target of a task, and how it ended."""

    task = models.ForeignKey(TracingTask, on_delete=models.PROTECT, related_name="attempts")
    tracer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="call_attempts"
    )
    started_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=12, choices=Outcome.choices)
    callback_at = models.DateTimeField(null=True, blank=True)
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["started_at"]

    def __str__(self) -> str:
        return f"Attempt {self.pk}: {self.get_outcome_display()}"

    def clean(self) -> None:
        if self.outcome == Outcome.CALLBACK and not self.callback_at:
            raise ValidationError({"callback_at": "A callback request needs a time."})
        if self.outcome != Outcome.CALLBACK and self.callback_at:
            raise ValidationError({"callback_at": "Only a callback request has a callback time."})
        if self.ended_at and self.ended_at < self.started_at:
            raise ValidationError({"ended_at": "The call ended before it started."})
