"""System checks: every model holding personal data has a retention rule, and periods are sane."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.apps import apps
from django.core import checks

from tracedesk.privacy.classification import FIELDS, Level
from tracedesk.retention.rules import BY_MODEL, RULES, YEAR, Anonymise, Exempt, Follows, Purge

LONGEST = 100 * YEAR


def _error(message: str, code: str, hint: str = "See tracedesk/retention/rules.py") -> checks.Error:
    return checks.Error(message, hint=hint, id=f"retention.{code}")


def _keeps(rule: Anonymise | Purge) -> dt.timedelta:
    grace = rule.grace if isinstance(rule, Anonymise) and rule.grace else dt.timedelta(0)
    return rule.after + grace


@checks.register()
def check_rules(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    errors: list[checks.CheckMessage] = []
    personal = sorted(
        label
        for label, fields in FIELDS.items()
        if any(level != Level.NOT_PERSONAL for level in fields.values())
    )
    errors.extend(
        _error(
            f"{label} holds personal data but has no retention rule",
            "E001",
            "Add an Anonymise, Purge, Follows or Exempt rule to RULES in retention/rules.py",
        )
        for label in personal
        if label not in BY_MODEL
    )  # fmt: skip
    seen: set[str] = set()
    for rule in RULES:
        if rule.model in seen:
            errors.append(_error(f"{rule.model} has more than one retention rule", "E002"))
        seen.add(rule.model)
        try:
            model = apps.get_model(rule.model)
        except LookupError:
            errors.append(_error(f"retention rule for {rule.model}: no such model", "E002"))
            continue
        if isinstance(rule, Exempt):
            if not rule.why.strip():
                errors.append(_error(f"{rule.model} is exempt without a reason", "E003"))
            continue
        for parent in rule.follows:
            if parent not in BY_MODEL:
                errors.append(_error(f"{rule.model} follows {parent}, which has no rule", "E004"))
            elif not any(
                field.is_relation
                and (field.many_to_one or field.one_to_one)
                and field.related_model._meta.label_lower == parent
                for field in model._meta.get_fields()
                if field.concrete
            ):
                errors.append(
                    _error(f"{rule.model} follows {parent} but has no link to it", "E004")
                )
        if isinstance(rule, Follows):
            if not rule.follows:
                errors.append(_error(f"{rule.model} follows nothing", "E004"))
            continue
        if rule.clock:
            try:
                target = model
                for part in rule.clock.split("__")[:-1]:
                    target = target._meta.get_field(part).related_model
                target._meta.get_field(rule.clock.split("__")[-1])
            except Exception:
                errors.append(_error(f"{rule.model}: clock {rule.clock!r} is not a field", "E005"))
        minimum = dt.timedelta(0) if not rule.clock else dt.timedelta(days=1)
        if not minimum <= rule.after <= LONGEST:
            errors.append(
                _error(f"{rule.model}: period {rule.after} is outside 1 day-100 years", "E005")
            )
        if isinstance(rule, Anonymise):
            if rule.model not in _anonymisers():
                errors.append(_error(f"{rule.model}: no anonymiser in retention/apply.py", "E005"))
            if rule.grace is not None and not dt.timedelta(days=1) <= rule.grace <= YEAR:
                errors.append(
                    _error(
                        f"{rule.model}: grace period {rule.grace} is outside 1 day-1 year", "E005"
                    )
                )
    audit = BY_MODEL.get("audit.auditevent")
    if isinstance(audit, Purge):
        longest = max(
            (
                _keeps(rule)
                for rule in RULES
                if isinstance(rule, Anonymise | Purge) and rule is not audit
            ),
            default=dt.timedelta(0),
        )
        if audit.after < longest:
            errors.append(
                _error(
                    f"audit events are purged after {audit.after.days} days, before records "
                    f"kept {longest.days} days: the trail must outlive what it describes",
                    "E006",
                )
            )
    return errors


def _anonymisers() -> set[str]:
    from tracedesk.retention.apply import ANONYMISERS

    return set(ANONYMISERS)
