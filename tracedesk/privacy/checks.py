"""System checks: every field of every domain model is classified, and nothing else is."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core import checks

from tracedesk.privacy.classification import CLASSIFIED_APPS, FIELDS


def model_fields() -> dict[str, set[str]]:
    """Return the stored fields (including many-to-many) of every classified model."""
    found: dict[str, set[str]] = {}
    for app_label in CLASSIFIED_APPS:
        for model in apps.get_app_config(app_label).get_models():
            # Forward fields only: concrete columns and many-to-many declared here.
            names = {
                field.name
                for field in model._meta.get_fields(include_hidden=False)
                if not field.is_relation or not field.auto_created or field.concrete
                if field.concrete or field.many_to_many
            }
            found[model._meta.label_lower] = names
    return found


@checks.register()
def check_classification(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    errors: list[checks.CheckMessage] = []
    actual = model_fields()
    for label, names in sorted(actual.items()):
        missing = sorted(names - set(FIELDS.get(label, {})))
        errors.extend(
            checks.Error(
                f"{label}.{name} has no personal-data classification",
                hint="Add it to FIELDS in tracedesk/privacy/classification.py",
                id="privacy.E001",
            )
            for name in missing
        )
    for label, classified in sorted(FIELDS.items()):
        stale = sorted(set(classified) - actual.get(label, set()))
        errors.extend(
            checks.Error(
                f"{label}.{name} is classified but is not a field",
                hint="Remove it from FIELDS in tracedesk/privacy/classification.py",
                id="privacy.E002",
            )
            for name in stale
        )
    return errors
