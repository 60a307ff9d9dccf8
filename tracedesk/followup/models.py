from django.core.exceptions import ValidationError
from django.db import models


class FollowUpStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    COMPLETED = "completed", "Completed"
    MISSED = "missed", "Missed"


class FollowUp(models.Model):
    """One daily check-in of a contact in isolation."""

    contact = models.ForeignKey(
        "cases.Contact", on_delete=models.PROTECT, related_name="follow_ups"
    )
    jurisdiction = models.ForeignKey("geography.Jurisdiction", on_delete=models.PROTECT)
    due_on = models.DateField()
    status = models.CharField(
        max_length=10, choices=FollowUpStatus.choices, default=FollowUpStatus.PENDING
    )
    has_symptoms = models.BooleanField(null=True, blank=True)
    symptoms = models.JSONField(default=list, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    needs_support = models.BooleanField(null=True, blank=True)
    support_needs = models.JSONField(default=list, blank=True)
    call_task = models.ForeignKey(
        "tracing.TracingTask",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="follow_ups",
        help_text="The call opened because of this check-in (symptoms, support, or silence)",
    )

    class Meta:
        ordering = ["due_on"]
        constraints = [
            models.UniqueConstraint(fields=["contact", "due_on"], name="one_follow_up_a_day")
        ]

    def __str__(self) -> str:
        return f"Follow-up {self.pk} due {self.due_on}"

    def clean(self) -> None:
        if self.status == FollowUpStatus.COMPLETED and self.has_symptoms is None:
            raise ValidationError({"has_symptoms": "A completed check-in records symptoms."})
