from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models


class Level(models.TextChoices):
    NATION = "nation", "Nation"
    REGION = "region", "Region"
    LOCAL_AUTHORITY = "local_authority", "Local authority"


PARENT_LEVEL = {
    Level.NATION: None,
    Level.REGION: Level.NATION,
    Level.LOCAL_AUTHORITY: Level.REGION,
}


class Jurisdiction(models.Model):
    """A node of the geography: nation > region > local authority.

    ``path`` is the chain of codes from the root (``/E92000001/E12000003/``),
    kept by ``save`` so that "this node and everything below it" is one
    indexed prefix query.
    """

    code = models.CharField(max_length=16, unique=True, help_text="ONS GSS code, e.g. E08000035")
    name = models.CharField(max_length=120)
    level = models.CharField(max_length=20, choices=Level.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    path = models.CharField(max_length=255, editable=False, db_index=True)

    class Meta:
        ordering = ["path"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def save(self, *args: object, **kwargs: object) -> None:
        prefix = self.parent.path if self.parent else "/"
        self.path = f"{prefix}{self.code}/"
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def clean(self) -> None:
        expected = PARENT_LEVEL[Level(self.level)]
        actual = self.parent.level if self.parent else None
        if expected != actual:
            want = expected.label if expected else "no parent"
            raise ValidationError(
                {"parent": f"A {Level(self.level).label.lower()} must have {want} as parent."}
            )

    def subtree(self) -> models.QuerySet[Jurisdiction]:
        """Return this jurisdiction and every jurisdiction below it."""
        return Jurisdiction.objects.filter(path__startswith=self.path)


class PostcodeDistrict(models.Model):
    """An outward code (``LS6``) and the local authority it is served by."""

    outward_code = models.CharField(max_length=4, unique=True)
    jurisdiction = models.ForeignKey(
        Jurisdiction, on_delete=models.PROTECT, related_name="postcode_districts"
    )

    class Meta:
        ordering = ["outward_code"]

    def __str__(self) -> str:
        return self.outward_code

    def clean(self) -> None:
        if self.jurisdiction_id and self.jurisdiction.level != Level.LOCAL_AUTHORITY:
            raise ValidationError({"jurisdiction": "Postcode districts map to a local authority."})
