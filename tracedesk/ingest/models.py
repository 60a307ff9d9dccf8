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
        "people.Person", on_delete=models.PROTECT, related_name="test_results"
    )
    case = models.ForeignKey(
        "cases.Case", null=True, blank=True, on_delete=models.PROTECT, related_name="test_results"
    )
    jurisdiction = models.ForeignKey("geography.Jurisdiction", on_delete=models.PROTECT)

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
