from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from tracedesk.lib.identifiers import is_valid_nhs_number
from tracedesk.lib.languages import is_language_code
from tracedesk.lib.postcodes import PostcodeError, normalise_postcode


def match_key(first_name: str, last_name: str, date_of_birth: dt.date | None) -> str:
    """The exact-match key of a name and date of birth ("" when any is missing).

    Stored on every Person (indexed) so that matching fetches only certain matches.
    """
    if not (first_name and last_name and date_of_birth):
        return ""
    return f"{last_name.casefold()}|{first_name.casefold()}|{date_of_birth.isoformat()}"[:255]


class Address(models.Model):
    """A normalised postal address. ``dwelling_key`` identifies one dwelling."""

    line1 = models.CharField(max_length=200, blank=True)
    line2 = models.CharField(max_length=200, blank=True)
    town = models.CharField(max_length=100, blank=True)
    postcode = models.CharField(max_length=8, blank=True, db_index=True)
    jurisdiction = models.ForeignKey(
        "geography.Jurisdiction", null=True, blank=True, on_delete=models.PROTECT
    )
    dwelling_key = models.CharField(
        max_length=240, blank=True, db_index=True, help_text="Building and flat (lib/addresses.py)"
    )
    building_key = models.CharField(
        max_length=240,
        blank=True,
        db_index=True,
        help_text="House number or name, street, postcode",
    )
    uprn = models.CharField(
        max_length=12, blank=True, db_index=True, help_text="Unique Property Reference Number"
    )

    class Meta:
        verbose_name_plural = "addresses"

    def __str__(self) -> str:
        return ", ".join(part for part in (self.line1, self.town, self.postcode) if part)

    def clean(self) -> None:
        if self.postcode:
            try:
                self.postcode = normalise_postcode(self.postcode)
            except PostcodeError as exc:
                raise ValidationError({"postcode": str(exc)}) from None


class Household(models.Model):
    """The people living at one dwelling address."""

    address = models.OneToOneField(Address, on_delete=models.PROTECT, related_name="household")
    jurisdiction = models.ForeignKey("geography.Jurisdiction", on_delete=models.PROTECT)
    created_at = models.DateTimeField(default=timezone.now)
    shared_residence = models.ForeignKey(
        "places.Setting",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="former_households",
        help_text="Set when too many unrelated people live here to be one household: "
        "the address is then a setting (care home, shared house, student hall)",
    )

    def __str__(self) -> str:
        return f"Household {self.pk}"


class Sex(models.TextChoices):
    FEMALE = "female", "Female"
    MALE = "male", "Male"
    OTHER = "other", "Other"
    UNKNOWN = "unknown", "Not known"


class Person(models.Model):
    """One human being. ``jurisdiction`` decides who may see them."""

    nhs_number = models.CharField(max_length=10, blank=True, db_index=True)
    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    date_of_birth = models.DateField(null=True, blank=True)
    sex = models.CharField(max_length=7, choices=Sex.choices, default=Sex.UNKNOWN)
    phone = models.CharField(max_length=20, blank=True, db_index=True)
    email = models.EmailField(blank=True)
    preferred_language = models.CharField(max_length=2, default="en")
    address = models.ForeignKey(
        Address, null=True, blank=True, on_delete=models.PROTECT, related_name="residents"
    )
    household = models.ForeignKey(
        Household, null=True, blank=True, on_delete=models.SET_NULL, related_name="members"
    )
    jurisdiction = models.ForeignKey(
        "geography.Jurisdiction", on_delete=models.PROTECT, related_name="people"
    )
    match_key = models.CharField(
        max_length=255,
        blank=True,
        db_index=True,
        editable=False,
        help_text="Surname, first name and date of birth, case-folded: set on save",
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    merged_into = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_people",
        help_text="Set when this record was found to duplicate another: kept, never deleted",
        # Indexed only where set (Meta): nearly everyone is unmerged, and a full index
        # tempted SQLite's planner to read the whole table for "merged_into IS NULL".
        db_index=False,
    )

    class Meta:
        verbose_name_plural = "people"
        indexes = [
            models.Index(
                fields=["merged_into"],
                condition=models.Q(merged_into__isnull=False),
                name="person_merged_into_set",
            )
        ]

    def __str__(self) -> str:
        return f"Person {self.pk}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.match_key = match_key(self.first_name, self.last_name, self.date_of_birth)
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "match_key"}
        super().save(*args, **kwargs)

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip() or "(name not known)"

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.nhs_number and not is_valid_nhs_number(self.nhs_number):
            errors["nhs_number"] = f"{self.nhs_number!r} is not a valid NHS number."
        if self.date_of_birth and self.date_of_birth > timezone.localdate():
            errors["date_of_birth"] = "Date of birth is in the future."
        if not is_language_code(self.preferred_language):
            errors["preferred_language"] = (
                f"{self.preferred_language!r} is not an ISO 639-1 language code."
            )
        if not (self.first_name or self.last_name or self.nhs_number or self.phone):
            errors["first_name"] = "A person needs a name, an NHS number or a phone number."
        if errors:
            raise ValidationError(errors)


class PersonMerge(models.Model):
    """One duplicate record merged into a surviving one, and whether it was undone.

    Every row moved by the merge is listed in ``MergedLink`` so that undoing it
    moves back exactly those rows (``tracedesk.people.merges``).
    """

    survivor = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="merges_kept")
    duplicate = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="merges_undergone")
    reason = models.TextField()
    evidence = models.JSONField(
        default=dict, blank=True, help_text="Why the records match, e.g. the matcher's explanation"
    )
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    merged_at = models.DateTimeField(default=timezone.now)
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        ordering = ["-merged_at", "-pk"]

    def __str__(self) -> str:
        return f"Merge {self.pk}: person {self.duplicate_id} into {self.survivor_id}"


class LinkConflict(models.TextChoices):
    NONE = "", "Moved"
    OWN_CONTACT = "own_contact", "Would make the person a contact of their own case"
    CONTACT_TWICE = "contact_twice", "The person is already a contact of this case"
    CASE_KEPT = "case_kept", "Refers to a case that stayed with the duplicate"


class MergedLink(models.Model):
    """One row that pointed at the duplicate when it was merged.

    ``moved`` rows were repointed to the survivor (and go back on undo); the
    others stayed with the duplicate because moving them would break an
    invariant (``conflict`` says which), and are listed for a person to review.
    """

    merge = models.ForeignKey(PersonMerge, on_delete=models.PROTECT, related_name="links")
    model = models.CharField(max_length=100, help_text="app_label.model")
    object_id = models.PositiveBigIntegerField()
    field = models.CharField(max_length=100)
    moved = models.BooleanField(default=True)
    conflict = models.CharField(
        max_length=16, choices=LinkConflict.choices, blank=True, default=LinkConflict.NONE
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["merge", "model", "object_id", "field"], name="merged_link_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.model}:{self.object_id}.{self.field} ({'moved' if self.moved else 'kept'})"
