"""The one place that scopes test results to a user."""

from __future__ import annotations

from django.db.models import QuerySet

from tracedesk.accounts.roles import Right
from tracedesk.accounts.scope import within_scope
from tracedesk.ingest.models import TestResult


def results_for(user: object) -> QuerySet[TestResult]:
    """Return the test results the user may see."""
    return within_scope(user, TestResult.objects.all(), Right.VIEW_PERSONAL)
