from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone


class CaseStatus(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class Case(models.Model):
    """One episode of infection of one person.

    A positive specimen within ``settings.EPISODE_DAYS`` of the case's latest one
    extends it (``cases.actions.open_or_extend_case``); a later one opens a new case.
    """

    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="cases")
    jurisdiction = models.ForeignKey(
        "geography.Jurisdiction", on_delete=models.PROTECT, related_name="cases"
    )
    status = models.CharField(max_length=10, choices=CaseStatus.choices, default=CaseStatus.OPEN)
    first_specimen_at = models.DateTimeField()
    latest_specimen_at = models.DateTimeField()
    onset_date = models.DateField(null=True, blank=True)
    is_complex = models.BooleanField(
        default=False, help_text="Handled by the local health protection team"
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["person", "-latest_specimen_at"])]

    def __str__(self) -> str:
        return f"Case {self.pk}"

    def clean(self) -> None:
        first, latest = self.first_specimen_at, self.latest_specimen_at
        if first and latest and latest < first:
            raise ValidationError(
                {"latest_specimen_at": "The latest specimen is before the first."}
            )
        if self.onset_date and self.onset_date > timezone.localdate():
            raise ValidationError({"onset_date": "Symptom onset is in the future."})


class ContactType(models.TextChoices):
    HOUSEHOLD = "household", "Household"
    WORK = "work", "Work"
    EDUCATION = "education", "Education"
    SOCIAL = "social", "Social"
    HEALTHCARE = "healthcare", "Healthcare"
    TRAVEL = "travel", "Travel"
    OTHER = "other", "Other"


class Proximity(models.TextChoices):
    DIRECT = "direct", "Direct (face to face, physical contact)"
    WITHIN_1M = "within_1m", "Within 1 metre"
    WITHIN_2M = "within_2m", "Within 2 metres"
    OTHER = "other", "Further or not known"


class Contact(models.Model):
    """A person exposed to a case. ``jurisdiction`` is the contact's own."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="contacts")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="exposures")
    jurisdiction = models.ForeignKey(
        "geography.Jurisdiction", on_delete=models.PROTECT, related_name="contacts"
    )
    contact_type = models.CharField(max_length=12, choices=ContactType.choices)
    last_exposure_date = models.DateField()
    proximity = models.CharField(max_length=10, choices=Proximity.choices, default=Proximity.OTHER)
    duration_minutes = models.PositiveIntegerField(null=True, blank=True)
    setting = models.ForeignKey(
        "places.Setting", null=True, blank=True, on_delete=models.PROTECT, related_name="contacts"
    )
    reported_at = models.DateTimeField(default=timezone.now, db_index=True)
    source_ref = models.CharField(
        max_length=80,
        blank=True,
        db_index=True,  # SQLite's planner does not use the partial unique index for lookups
        help_text="The report this contact came from (form submission, import row id); "
        "the same report loaded twice is the same contact.",
    )

    class Meta:
        ordering = ["-reported_at"]
        constraints = [
            models.UniqueConstraint(fields=["case", "person"], name="contact_once_per_case"),
            models.UniqueConstraint(
                fields=["source_ref"],
                condition=~models.Q(source_ref=""),
                name="contact_source_ref_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"Contact {self.pk} of case {self.case_id}"

    def clean(self) -> None:
        if self.last_exposure_date and self.last_exposure_date > timezone.localdate():
            raise ValidationError({"last_exposure_date": "The exposure is in the future."})
        if self.case_id and self.person_id and self.case.person_id == self.person_id:
            raise ValidationError({"person": "A case cannot be their own contact."})
        if self.duration_minutes is not None and self.duration_minutes > 14 * 24 * 60:
            raise ValidationError({"duration_minutes": "Longer than the 14-day window."})
