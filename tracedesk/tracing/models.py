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
    BOOK_TEST = "book_test", "Book a test"


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
    TaskKind.BOOK_TEST: "contact",
}

# Kinds whose target is a contact (one database constraint lists them).
CONTACT_KINDS = [kind.value for kind, field in TARGET_FIELD.items() if field == "contact"]


class Escalation(models.TextChoices):
    HEALTH_PROTECTION = "hpt", "Local health protection team"
    FIELD_VISIT = "field_visit", "Field visit"


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
    available_from = models.DateTimeField(
        null=True,
        blank=True,
        help_text="The queue does not offer the task before this time (a callback, a retry).",
    )
    claimed_at = models.DateTimeField(null=True, blank=True)
    escalation = models.CharField(
        max_length=12,
        choices=Escalation.choices,
        blank=True,
        help_text="Where an escalated task went: the health protection team or a field visit.",
    )

    class Meta:
        ordering = ["due_by", "priority"]
        indexes = [
            # Also serves the dashboard's "queue now" counts from the index alone (kind
            # included): at 250,000 active tasks, reading each row for its kind took 0.4 s.
            models.Index(
                fields=["status", "jurisdiction", "due_by", "kind"], name="tracing_task_active_idx"
            ),
            # The queue: open tasks in the order "next" hands them out.
            models.Index(
                fields=["priority", "due_by", "id"],
                condition=Q(status="open"),
                name="tracing_task_queue_idx",
            ),
            models.Index(fields=["assignee", "status"], name="tracing_task_assignee_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                name="task_has_its_kinds_target",
                condition=(
                    Q(kind="reach_case", case__isnull=False, contact__isnull=True)
                    | Q(kind__in=CONTACT_KINDS, contact__isnull=False)
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


class TracerState(models.TextChoices):
    AVAILABLE = "available", "Available"
    ON_CALL = "on_call", "On a call"
    WRAP_UP = "wrap_up", "Wrap-up"
    OFFLINE = "offline", "Offline"


class TracerStateChange(models.Model):
    """A tracer entering a state; the current state is the latest change (none: offline).

    Utilisation over a period = time in ``on_call`` + ``wrap_up`` ÷ time not ``offline``.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="state_changes"
    )
    state = models.CharField(max_length=10, choices=TracerState.choices)
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["user", "-at"], name="tracing_state_user_at_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.state} at {self.at:%Y-%m-%d %H:%M}"


class Interview(models.Model):
    """What a case (or contact) interview produced, under which version of which script."""

    task = models.ForeignKey(TracingTask, on_delete=models.PROTECT, related_name="interviews")
    tracer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="interviews"
    )
    script = models.CharField(max_length=40)
    script_version = models.PositiveIntegerField()
    identity_confirmed = models.BooleanField(default=False)
    has_symptoms = models.BooleanField(null=True, blank=True)
    onset_date = models.DateField(null=True, blank=True)
    isolation_advice_given = models.BooleanField(default=False)
    settings_recorded = models.PositiveIntegerField(default=0)
    contacts_recorded = models.PositiveIntegerField(default=0)
    completed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-completed_at"]

    def __str__(self) -> str:
        return f"Interview {self.pk} ({self.script} v{self.script_version})"
