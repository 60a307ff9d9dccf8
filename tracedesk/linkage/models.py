"""Probabilistic person matching in the database: stored blocking keys and the review queue.

The scorer itself is plain Python (``tracedesk.lib.matching``); this app stores what
it needs to find candidates quickly and what a person must decide.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class BlockingKey(models.Model):
    """One candidate key of a person (e.g. phonetic surname + birth year), indexed:
    a new record is scored only against the people sharing one of its keys."""

    person = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, related_name="blocking_keys"
    )
    key = models.CharField(max_length=80, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person", "key"], name="one_blocking_key_per_person")
        ]

    def __str__(self) -> str:
        return f"Blocking key of person {self.person_id}"


class ReviewStatus(models.TextChoices):
    OPEN = "open", "Waiting for review"
    SAME = "same", "Same person"
    DIFFERENT = "different", "Different people"


class MatchReview(models.Model):
    """A record that scored between the review and link thresholds against a person.

    The record was stored as a new person (nothing waits on the review); a reviewer
    decides whether the two are the same human being. The explanation is the
    scorer's, field by field.
    """

    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="match_reviews"
    )
    candidate = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    jurisdiction = models.ForeignKey("geography.Jurisdiction", on_delete=models.PROTECT)
    total = models.FloatField(help_text="Total match weight (log2 odds)")
    explanation = models.JSONField(help_text="Every field's level and weight, from the scorer")
    status = models.CharField(
        max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.OPEN
    )
    source = models.CharField(max_length=80, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT
    )

    class Meta:
        ordering = ["-total", "created_at"]
        indexes = [models.Index(fields=["status", "jurisdiction"])]

    def __str__(self) -> str:
        return f"Match review {self.pk}"


class MatchDecision(models.Model):
    """Why a record that scored against candidates was linked, queued or created new.

    Written for every record the scorer saw candidates for (certain matches on NHS
    number or exact name and birth date need no explanation): the outcome and the
    strongest candidates, each with every field's level and weight and the total.
    """

    person = models.ForeignKey(
        "people.Person",
        on_delete=models.PROTECT,
        related_name="match_decisions",
        help_text="The person the record became or was linked to",
    )
    outcome = models.CharField(max_length=6, help_text="link, review or new")
    candidates = models.PositiveIntegerField(help_text="People sharing a blocking key")
    chosen = models.ForeignKey(
        "people.Person",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The candidate linked to or queued for review",
    )
    total = models.FloatField(help_text="The best candidate's total match weight")
    explanation = models.JSONField(help_text="The strongest candidates, field by field")
    source = models.CharField(max_length=80, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Match decision {self.pk}"


class TermFrequency(models.Model):
    """How many people hold a (normalised) value of a field, kept up to date as people are
    created: agreeing on a common surname or a shared phone proves less than on a rare one.
    The row with field ``*`` counts everyone."""

    field = models.CharField(max_length=20)
    value = models.CharField(max_length=255)
    people = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["field", "value"], name="one_frequency_per_value")
        ]

    def __str__(self) -> str:
        return f"Frequency of a {self.field}"


class ProposalStatus(models.TextChoices):
    PROPOSED = "proposed", "Proposed"
    CONFIRMED = "confirmed", "Confirmed as a household contact"
    DECLINED = "declined", "Not a household contact"


class HouseholdProposal(models.Model):
    """A known member of a new case's household, proposed as the case's household contact.

    Made when the case is created, from the people the register already holds at the
    case's dwelling; the tracer (or the case, on the phone) confirms or declines it.
    Confirming records the contact and its task.
    """

    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, related_name="household_proposals"
    )
    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="household_proposals"
    )
    jurisdiction = models.ForeignKey("geography.Jurisdiction", on_delete=models.PROTECT)
    status = models.CharField(
        max_length=10, choices=ProposalStatus.choices, default=ProposalStatus.PROPOSED
    )
    contact = models.ForeignKey(
        "cases.Contact", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["case", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["case", "person"], name="one_proposal_per_member")
        ]

    def __str__(self) -> str:
        return f"Household proposal {self.pk}"
