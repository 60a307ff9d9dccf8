from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone


class SettingType(models.TextChoices):
    WORKPLACE = "workplace", "Workplace"
    SCHOOL = "school", "School or nursery"
    CARE_HOME = "care_home", "Care home"
    HOSPITALITY = "hospitality", "Hospitality"
    GYM = "gym", "Gym or leisure"
    PLACE_OF_WORSHIP = "place_of_worship", "Place of worship"
    RETAIL = "retail", "Retail"
    HEALTHCARE = "healthcare", "Healthcare"
    HIGHER_EDUCATION = "higher_education", "University or college"
    PRISON = "prison", "Prison or detention"
    EVENT_VENUE = "event_venue", "Event venue"
    TRANSPORT = "transport", "Transport"
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
    event = models.ForeignKey(
        "places.Event", null=True, blank=True, on_delete=models.PROTECT, related_name="attendances"
    )

    class Meta:
        ordering = ["-attended_on"]
        indexes = [models.Index(fields=["setting", "attended_on"])]

    def __str__(self) -> str:
        return f"Attendance {self.pk}"

    def clean(self) -> None:
        if self.arrived_at and self.left_at and self.left_at < self.arrived_at:
            raise ValidationError({"left_at": "Left before arriving."})


class Event(models.Model):
    """A gathering at a setting on given days (a wedding, a service, a match, a party)."""

    setting = models.ForeignKey(Setting, on_delete=models.PROTECT, related_name="events")
    name = models.CharField(max_length=200)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    expected_attendance = models.PositiveIntegerField(null=True, blank=True)
    jurisdiction = models.ForeignKey("geography.Jurisdiction", on_delete=models.PROTECT)

    class Meta:
        ordering = ["-starts_at"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.starts_at and self.ends_at and self.ends_at < self.starts_at:
            raise ValidationError({"ends_at": "The event ends before it starts."})


class DeviceToken(models.Model):
    """A check-in token (an app install, a QR logbook entry) and, once known, its person.

    Check-ins arrive with tokens only; a token is linked to a person when that person
    gives it (an interview, the self-service form), which is what lets detection find a
    case's check-ins and lets a confirmed cluster message other attendees.
    """

    token = models.CharField(max_length=64, unique=True)
    person = models.ForeignKey(
        "people.Person",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="device_tokens",
    )
    linked_at = models.DateTimeField(null=True, blank=True, db_index=True)
    first_seen_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Token {self.pk}"


class CheckInBatch(models.Model):
    """One file of venue check-ins, and its reconciliation.

    ``read = accepted + duplicates + rejected`` holds for the rows processed so far;
    ``resume_after`` rows are committed, so an interrupted import continues there.
    """

    source_name = models.CharField(max_length=255)
    source_sha256 = models.CharField(max_length=64, db_index=True)
    source_size = models.BigIntegerField(default=0)
    channel = models.CharField(max_length=8, default="cli")
    status = models.CharField(max_length=10, default="running")
    read_count = models.PositiveIntegerField(default=0)
    accepted_count = models.PositiveIntegerField(default=0)
    duplicate_count = models.PositiveIntegerField(default=0)
    rejected_count = models.PositiveIntegerField(default=0)
    new_token_count = models.PositiveIntegerField(default=0)
    resume_after = models.PositiveIntegerField(default=0)
    stopped_reason = models.TextField(blank=True)
    received_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-received_at"]
        verbose_name_plural = "check-in batches"

    already_imported = False  # set (not stored) when the same file comes again

    def __str__(self) -> str:
        return f"Check-in batch {self.pk}: {self.source_name}"

    @property
    def balanced(self) -> bool:
        return self.read_count == self.accepted_count + self.duplicate_count + self.rejected_count

    @property
    def reconciles(self) -> bool:
        return self.status == "complete" and self.balanced


class CheckIn(models.Model):
    """One venue check-in: a token at a setting at a time. Millions a day: keep it narrow."""

    setting = models.ForeignKey(Setting, on_delete=models.PROTECT, related_name="checkins")
    token = models.ForeignKey(DeviceToken, on_delete=models.PROTECT, related_name="checkins")
    checked_in_at = models.DateTimeField()
    batch = models.ForeignKey(
        CheckInBatch, on_delete=models.PROTECT, related_name="checkins", db_index=False
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["token", "checked_in_at", "setting"], name="checkin_once"
            )
        ]
        indexes = [models.Index(fields=["setting", "checked_in_at"])]

    def __str__(self) -> str:
        return f"Check-in {self.pk}"


class CheckInRejection(models.Model):
    """A check-in row that could not be accepted, kept whole with its line and reason."""

    batch = models.ForeignKey(CheckInBatch, on_delete=models.PROTECT, related_name="rejections")
    line = models.PositiveIntegerField(help_text="Line number in the file (the header is 1)")
    field = models.CharField(max_length=40)
    reason = models.TextField()
    raw = models.TextField()

    class Meta:
        ordering = ["batch", "line"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "line"], name="one_checkin_rejection_per_line")
        ]

    def __str__(self) -> str:
        return f"Check-in batch {self.batch_id} line {self.line}: {self.field}"


class SettingDay(models.Model):
    """How many check-ins a setting had on a day (kept by the import): the denominators
    of attack rates and of the background rate, without counting millions of rows."""

    setting = models.ForeignKey(Setting, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    checkins = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["setting", "day"], name="setting_day_once")]

    def __str__(self) -> str:
        return f"Setting {self.setting_id} on {self.day}"
