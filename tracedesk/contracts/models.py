from django.db import models


class Contractor(models.Model):
    """A company contracted to trace on an agency's behalf."""

    name = models.CharField(max_length=160, unique=True)
    companies_house_number = models.CharField(max_length=8, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
