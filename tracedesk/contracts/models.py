from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone


class Contractor(models.Model):
    """A company contracted to trace on an agency's behalf."""

    name = models.CharField(max_length=160, unique=True)
    companies_house_number = models.CharField(max_length=8, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Contract(models.Model):
    """A contract with a contractor to trace in an area, and its service-credit scheme.

    Every record in ``jurisdiction`` (and below it) counts towards the contract's
    service levels, whoever worked it: a case nobody reached is still the
    contractor's shortfall (docs/contracts.md, "What is measured").
    """

    contractor = models.ForeignKey(Contractor, on_delete=models.PROTECT, related_name="contracts")
    reference = models.CharField(max_length=40, unique=True, help_text="e.g. TT-2020-017")
    title = models.CharField(max_length=200)
    jurisdiction = models.ForeignKey(
        "geography.Jurisdiction",
        on_delete=models.PROTECT,
        related_name="contracts",
        help_text="The area covered: records here and below count towards the service levels.",
    )
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True, help_text="Empty while open-ended")
    monthly_charge = models.DecimalField(
        max_digits=14, decimal_places=2, help_text="Pounds sterling per calendar month"
    )
    credit_rate_percent = models.DecimalField(
        max_digits=6,
        decimal_places=3,
        help_text="Credit per percentage point below target, as % of the monthly charge "
        "(before the service level's weight)",
    )
    cap_percent = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        help_text="A month's credits come to at most this % of the monthly charge",
    )

    class Meta:
        ordering = ["reference"]
        constraints = [
            models.CheckConstraint(
                name="contract_money_not_negative",
                condition=models.Q(
                    monthly_charge__gte=0, credit_rate_percent__gte=0, cap_percent__gte=0
                ),
            ),
            models.CheckConstraint(
                name="contract_cap_at_most_100", condition=models.Q(cap_percent__lte=100)
            ),
            models.CheckConstraint(
                name="contract_ends_after_start",
                condition=models.Q(ends_on__isnull=True)
                | models.Q(ends_on__gte=models.F("starts_on")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.monthly_charge is not None and self.monthly_charge < 0:
            errors["monthly_charge"] = "The monthly charge cannot be negative."
        if self.credit_rate_percent is not None and self.credit_rate_percent < 0:
            errors["credit_rate_percent"] = "The credit rate cannot be negative."
        if self.cap_percent is not None and not 0 <= self.cap_percent <= 100:
            errors["cap_percent"] = "The cap is a percentage from 0 to 100."
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            errors["ends_on"] = "The contract ends before it starts."
        if errors:
            raise ValidationError(errors)


class Direction(models.TextChoices):
    AT_LEAST = "at_least", "At least the target"
    AT_MOST = "at_most", "At most the target"


class Period(models.TextChoices):
    MONTH = "month", "Calendar month"
    WEEK = "week", "Week (Monday to Sunday, cut at the month's edges)"


class ServiceLevel(models.Model):
    """One KPI the contractor must meet: a target share, a measurement period, a weight."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="service_levels")
    name = models.CharField(max_length=120)
    kpi_key = models.CharField(max_length=60, help_text="A key of the KPI engine (docs/kpis.md)")
    target_percent = models.DecimalField(max_digits=5, decimal_places=2)
    direction = models.CharField(
        max_length=8, choices=Direction.choices, default=Direction.AT_LEAST
    )
    period = models.CharField(max_length=5, choices=Period.choices, default=Period.MONTH)
    weight = models.DecimalField(
        max_digits=5, decimal_places=2, default=Decimal(1), help_text="Multiplies the credit"
    )

    class Meta:
        ordering = ["contract", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "name"], name="service_level_name_once"),
            models.CheckConstraint(
                name="service_level_target_0_to_100",
                condition=models.Q(target_percent__gte=0, target_percent__lte=100),
            ),
            models.CheckConstraint(
                name="service_level_weight_not_negative", condition=models.Q(weight__gte=0)
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from tracedesk.contracts.measures import kpi_problem

        errors: dict[str, str] = {}
        problem = kpi_problem(self.kpi_key)
        if problem:
            errors["kpi_key"] = problem
        if self.target_percent is not None and not 0 <= self.target_percent <= 100:
            errors["target_percent"] = "The target is a percentage from 0 to 100."
        if self.weight is not None and self.weight < 0:
            errors["weight"] = "The weight cannot be negative."
        if errors:
            raise ValidationError(errors)


class ForceMajeure(models.Model):
    """A declared force-majeure period: its days are left out of every measurement."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="force_majeure")
    starts_on = models.DateField()
    ends_on = models.DateField(help_text="Inclusive")
    reason = models.CharField(max_length=300, help_text="No personal data")
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    declared_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["contract", "starts_on"]
        verbose_name_plural = "force majeure periods"
        constraints = [
            models.CheckConstraint(
                name="force_majeure_ends_after_start",
                condition=models.Q(ends_on__gte=models.F("starts_on")),
            )
        ]

    def __str__(self) -> str:
        return f"Force majeure {self.starts_on} to {self.ends_on}"

    def clean(self) -> None:
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": "The period ends before it starts."})
        if not (self.reason or "").strip():
            raise ValidationError({"reason": "Say why the period is declared."})


class IssuedStatement(models.Model):
    """A month's statement as issued: the figures of record, frozen.

    Recomputing the month later (late records, a force-majeure declaration) never
    changes it: the statement page shows the issued figures and, beside them, any
    difference the records give now (``contracts.issued.differences``).
    """

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="issued")
    month = models.DateField(help_text="The first day of the month")
    figures = models.JSONField(help_text="Every line and the totals, as issued")
    data_version = models.JSONField(
        help_text="The last audit event (every write is audited) and the KPI definitions' "
        "versions the figures were computed from"
    )
    computed_at = models.DateTimeField()
    issued_at = models.DateTimeField(default=timezone.now)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    csv_text = models.TextField(help_text="The CSV as issued")
    csv_sha256 = models.CharField(max_length=64)
    pdf = models.BinaryField(help_text="The PDF as issued")
    pdf_sha256 = models.CharField(max_length=64)

    class Meta:
        ordering = ["contract", "-month"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "month"], name="statement_issued_once")
        ]

    def __str__(self) -> str:
        return f"Statement {self.contract.reference} {self.month:%Y-%m} (issued)"
