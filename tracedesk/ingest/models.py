from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone


class Result(models.TextChoices):
    POSITIVE = "positive", "Positive"
    NEGATIVE = "negative", "Negative"
    VOID = "void", "Void"


class TestResult(models.Model):
    """One laboratory result. Natural key: lab + specimen id + test code."""

    __test__ = False  # not a pytest test class, despite the name

    lab_code = models.CharField(max_length=40)
    # Indexed alone too: contacts and attendances refer to their case by specimen id.
    specimen_id = models.CharField(max_length=60, db_index=True)
    test_code = models.CharField(max_length=20, help_text="LOINC code, e.g. 94500-6")
    test_name = models.CharField(max_length=200, blank=True)
    result = models.CharField(max_length=8, choices=Result.choices)
    specimen_collected_at = models.DateTimeField()
    result_at = models.DateTimeField()
    received_at = models.DateTimeField(default=timezone.now)
    person = models.ForeignKey(
        "people.Person",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="test_results",
        help_text="Empty for a negative or void result of someone tracing does not know",
    )
    case = models.ForeignKey(
        "cases.Case", null=True, blank=True, on_delete=models.PROTECT, related_name="test_results"
    )
    jurisdiction = models.ForeignKey("geography.Jurisdiction", on_delete=models.PROTECT)
    batch = models.ForeignKey(
        "ingest.IngestBatch",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="results",
        help_text="The batch that first brought this result",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["lab_code", "specimen_id", "test_code"], name="test_result_natural_key"
            )
        ]
        ordering = ["-result_at"]

    def __str__(self) -> str:
        return f"{self.lab_code}/{self.specimen_id}/{self.test_code}"

    def clean(self) -> None:
        collected, resulted = self.specimen_collected_at, self.result_at
        if collected and resulted and resulted < collected:
            raise ValidationError(
                {"result_at": "The result is dated before the specimen was collected."}
            )
        if self.result != Result.POSITIVE and self.case_id:
            raise ValidationError({"case": "Only a positive result opens or extends a case."})


class BatchStatus(models.TextChoices):
    RUNNING = "running", "Running"
    COMPLETE = "complete", "Complete"
    INCOMPLETE = "incomplete", "Incomplete: stopped before the end"


class Channel(models.TextChoices):
    CLI = "cli", "Command line"
    API = "api", "API"
    WEB = "web", "Web upload"


class IngestBatch(models.Model):
    """One file (or one API message) of laboratory results, and its reconciliation.

    ``read = accepted + duplicates + rejected`` always holds for the records
    processed so far; ``resume_after`` records are committed, so a batch that
    stopped part-way continues from there when the same file is ingested again.
    """

    source_name = models.CharField(max_length=255)
    source_sha256 = models.CharField(max_length=64, db_index=True)
    source_size = models.BigIntegerField(default=0)
    format = models.CharField(max_length=16)
    channel = models.CharField(max_length=8, choices=Channel.choices)
    lab_mapping = models.ForeignKey(
        "ingest.LabMapping", null=True, blank=True, on_delete=models.PROTECT
    )
    status = models.CharField(
        max_length=10, choices=BatchStatus.choices, default=BatchStatus.RUNNING
    )
    declared_count = models.PositiveIntegerField(null=True, blank=True)
    read_count = models.PositiveIntegerField(default=0)
    accepted_count = models.PositiveIntegerField(default=0)
    correction_count = models.PositiveIntegerField(
        default=0, help_text="Accepted records that corrected an earlier result"
    )
    duplicate_count = models.PositiveIntegerField(default=0)
    rejected_count = models.PositiveIntegerField(default=0)
    positive_count = models.PositiveIntegerField(default=0)
    resume_after = models.PositiveIntegerField(
        default=0, help_text="Records read and committed; a re-run continues after these"
    )
    warnings = models.JSONField(default=list, blank=True)
    stopped_reason = models.TextField(blank=True)
    received_at = models.DateTimeField(
        default=timezone.now, help_text="When the file arrived: the results' received time"
    )
    finished_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT
    )

    class Meta:
        ordering = ["-received_at"]
        verbose_name_plural = "ingest batches"

    # Set (not stored) when the same file is offered again after this batch completed.
    already_ingested = False

    def __str__(self) -> str:
        return f"Batch {self.pk}: {self.source_name}"

    @property
    def balanced(self) -> bool:
        """Whether every record read is accounted for."""
        return self.read_count == self.accepted_count + self.duplicate_count + self.rejected_count

    @property
    def matches_declared(self) -> bool | None:
        """Whether the source's own count agrees (None when it declared none)."""
        if self.declared_count is None:
            return None
        return self.declared_count == self.read_count

    @property
    def reconciles(self) -> bool:
        return (
            self.status == BatchStatus.COMPLETE
            and self.balanced
            and self.matches_declared is not False
        )


class RejectionStatus(models.TextChoices):
    OPEN = "open", "Waiting for correction"
    RESUBMITTED = "resubmitted", "Corrected and resubmitted"
    DISMISSED = "dismissed", "Dismissed"


class RejectedRecord(models.Model):
    """A record that could not be accepted, kept whole with where and why."""

    batch = models.ForeignKey(IngestBatch, on_delete=models.PROTECT, related_name="rejections")
    number = models.PositiveIntegerField(help_text="Line, message or entry number in the source")
    field = models.CharField(max_length=40)
    reason = models.TextField()
    raw = models.TextField(help_text="The record as received")
    fields = models.JSONField(
        default=dict, blank=True, help_text="The canonical fields as far as they could be read"
    )
    status = models.CharField(
        max_length=12, choices=RejectionStatus.choices, default=RejectionStatus.OPEN
    )
    resolved_result = models.ForeignKey(
        TestResult, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        ordering = ["batch", "number"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "number"], name="one_rejection_per_record")
        ]

    def __str__(self) -> str:
        return f"Batch {self.batch_id} record {self.number}: {self.field}"


class TestResultRevision(models.Model):
    """What a result said before a correction replaced it."""

    __test__ = False

    test_result = models.ForeignKey(TestResult, on_delete=models.PROTECT, related_name="revisions")
    previous_result = models.CharField(max_length=8, choices=Result.choices)
    previous_result_at = models.DateTimeField()
    batch = models.ForeignKey(IngestBatch, null=True, blank=True, on_delete=models.PROTECT)
    replaced_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["test_result", "replaced_at"]

    def __str__(self) -> str:
        return f"Revision of result {self.test_result_id}"


class LabMapping(models.Model):
    """How one laboratory's CSV columns map onto the canonical fields."""

    lab_code = models.CharField(max_length=40, unique=True)
    columns = models.JSONField(help_text="{source column: canonical field}")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["lab_code"]

    def __str__(self) -> str:
        return f"Column mapping of {self.lab_code}"

    def clean(self) -> None:
        from tracedesk.lib.labfeeds.records import CANONICAL_FIELDS

        if not isinstance(self.columns, dict):
            raise ValidationError({"columns": "A mapping of source column to canonical field."})
        unknown = sorted(set(self.columns.values()) - set(CANONICAL_FIELDS))
        if unknown:
            raise ValidationError({"columns": f"Not canonical fields: {', '.join(unknown)}"})
