from django.core.exceptions import ValidationError
from django.db import models


class SettingType(models.TextChoices):
    WORKPLACE = "workplace", "Workplace"
    SCHOOL = "school", "School or nursery"
    CARE_HOME = "care_home", "Care home"
    HOSPITALITY = "hospitality", "Hospitality"
    GYM = "gym", "Gym or leisure"
    PLACE_OF_WORSHIP = "place_of_worship", "Place of worship"
    RETAIL = "retail", "Retail"
    HEALTHCARE = "healthcare", "Healthcare"
    OTHER = "other", "Other"


class Setting(models.Model):
    """A place where people gather: a workplace, school, care home, venue."""

    name = models.CharField(max_length=200)
    setting_type = models.CharField(max_length=20, choices=SettingType.choices)
    address = models.ForeignKey("people.Address", null=True, blank=True, on_delete=models.PROTECT)
    jurisdiction = models.ForeignKey(
        "geography.Jurisdiction", on_delete=models.PROTECT, related_name="settings"
    )
    external_ref = models.CharField(
        max_length=60, blank=True, db_index=True, help_text="Venue or register id at the source"
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class AttendanceSource(models.TextChoices):
    INTERVIEW = "interview", "Case interview"
    SELF_SERVICE = "self_service", "Self-service form"
    CHECK_IN = "check_in", "Venue check-in"


class Attendance(models.Model):
    """A person at a setting on a day (and, when known, between two times)."""

    setting = models.ForeignKey(Setting, on_delete=models.PROTECT, related_name="attendances")
    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="attendances"
    )
    case = models.ForeignKey(
        "cases.Case", null=True, blank=True, on_delete=models.PROTECT, related_name="attendances"
    )
    jurisdiction = models.ForeignKey("geography.Jurisdiction", on_delete=models.PROTECT)
    attended_on = models.DateField(db_index=True)
    arrived_at = models.DateTimeField(null=True, blank=True)
    left_at = models.DateTimeField(null=True, blank=True)
    source = models.CharField(max_length=12, choices=AttendanceSource.choices)

    class Meta:
        ordering = ["-attended_on"]
        indexes = [models.Index(fields=["setting", "attended_on"])]

    def __str__(self) -> str:
        return f"Attendance {self.pk}"

    def clean(self) -> None:
        if self.arrived_at and self.left_at and self.left_at < self.arrived_at:
            raise ValidationError({"left_at": "Left before arriving."})
